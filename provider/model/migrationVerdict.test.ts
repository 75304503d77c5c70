import type { HostVerdict } from './hostVerdict';
import { migrationVerdict } from './migrationVerdict';
import { selectionLevel } from './selectionLevel';

const host = (name: string, over: Partial<HostVerdict> = {}): HostVerdict => ({
  name,
  outcome: 'can',
  enforceable: true,
  resolvedModel: 'kvm64-v1',
  machineType: 'pc-q35-7.2',
  missingFeatures: [],
  qemuVersion: '7.2.22',
  accelerator: 'kvm',
  effectiveFeatures: ['cmov', 'cx8', 'fpu', 'fxsr', 'lm', 'mmx', 'sse', 'sse2', 'syscall'],
  probedAt: '2026-01-01T00:00:00.000Z',
  source: 'qom-unavailable-features',
  ...over,
});

describe('migrationVerdict', () => {
  it('the same machine type and CPU everywhere: migratable', () => {
    expect(migrationVerdict([host('a'), host('b')], [])).toEqual({ migratable: true, warnings: [] });
  });
  it('machine types that differ name the hosts and both types', () => {
    const v = migrationVerdict([host('old'), host('new', { machineType: 'pc-q35-10.0', qemuVersion: '10.0.2' })], []);
    expect(v.migratable).toBe(false);
    expect(v.warnings).toEqual([expect.objectContaining({ kind: 'machine-types', hosts: ['old', 'new'], reason: expect.stringMatching(/^the machine type resolves differently: pc-q35-7\.2 on old; pc-q35-10\.0 on new; /) })]);
  });
  it('invtsc in the CPU blocks migration even on one host', () => {
    const v = migrationVerdict([host('a', { effectiveFeatures: [...host('a').effectiveFeatures, 'invtsc'] })], ['invtsc']);
    expect(v.warnings).toEqual([expect.objectContaining({ kind: 'non-migratable-feature', hosts: ['a'], reason: expect.stringMatching(/^the CPU has invtsc: .*tsc-frequency/) })]);
  });
  it('effective features that differ, and hosts not asked left out', () => {
    const v = migrationVerdict([host('a'), host('b', { effectiveFeatures: [...host('b').effectiveFeatures, 'x2apic'] }), host('gone', { outcome: 'undecided', enforceable: null, machineType: null, effectiveFeatures: [] })], []);
    expect(v).toEqual({ migratable: false, warnings: [expect.objectContaining({ kind: 'feature-sets', hosts: ['a', 'b'], reason: expect.stringMatching(/^the guest CPU differs between hosts: x2apic only on b; /) })] });
    expect(migrationVerdict([host('a'), host('gone', { outcome: 'undecided', enforceable: null, machineType: null })], []).migratable).toBeNull();
  });
});

describe('selectionLevel', () => {
  it('the level of what every answered host gives, per host, and the shortfall against a minimum', () => {
    const l = selectionLevel([host('a'), host('b', { effectiveFeatures: [...host('b').effectiveFeatures, 'cx16', 'lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] })], 'x86-64-v2');
    expect(l).toEqual(expect.objectContaining({ level: 'x86-64-v1', minimumLevel: 'x86-64-v2', missingForMinimum: ['cx16', 'lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] }));
    expect(l.hosts.map((h) => [h.name, h.level])).toEqual([['a', 'x86-64-v1'], ['b', 'x86-64-v2']]);
    expect(selectionLevel([host('a')], undefined)).toEqual(expect.objectContaining({ minimumLevel: null, missingForMinimum: [] }));
  });
});
