import { namesItself } from './cpuCheck';

describe('namesItself', () => {
  it.each(['Skylake-Client-v4', 'EPYC-Milan-v1', 'qemu64-v1', 'Cascadelake-Server-v10', 'host', 'max', 'base'])('%s resolves to itself', (model) => {
    expect(namesItself(model)).toBe(true);
  });

  it.each(['Skylake-Client', 'qemu64', 'EPYC-Milan', 'Skylake-Client-IBRS', 'pentium3', 'hostile', 'Conroe-v', 'v4'])('%s may be an alias', (model) => {
    expect(namesItself(model)).toBe(false);
  });
});
