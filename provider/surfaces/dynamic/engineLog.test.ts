import { engineAddress } from './engineLog';

describe("the engine's address inside the dynamic-provider host", () => {
  const host = '/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js';

  it('is the last host:port argument the engine gave the host', () => {
    expect(engineAddress(['node', host, '127.0.0.1:40123'])).toBe('127.0.0.1:40123');
    expect(engineAddress(['node', host, '--logtostderr', '-v=9', '--tracing', 'file:/tmp/t.json', '127.0.0.1:40123'])).toBe('127.0.0.1:40123');
    expect(engineAddress(['node', host.replace(/\/index\.js$/, ''), ':40123'])).toBe('127.0.0.1:40123');
  });

  it('is none outside that host, or without such an argument', () => {
    expect(engineAddress(['node', '/x/jest.js', '127.0.0.1:40123'])).toBeUndefined();
    expect(engineAddress(['node', host])).toBeUndefined();
  });
});
