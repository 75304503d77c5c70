/**
 * The pure baseline logic against the recorded capabilities of real hosts:
 * AMD EPYC 9654 (QEMU 9.2), AMD Ryzen 3900X (QEMU 7.2) and Intel Xeon
 * E3-1245 v5 Skylake (QEMU 4.2).
 */
import { readTranscript } from '../../test/support/transcripts';
import {
  baselineCandidates,
  baselineDrift,
  buildCapabilities,
  commonExtraFeatures,
  compareNewest,
  lackingRequiredFeatures,
  migrationBlockers,
  parseModelName,
  suggestMachineType,
  type HostCapabilities,
} from './index';

const caps = (file: string, host: string): HostCapabilities =>
  buildCapabilities({ host, probedAt: '2025-01-01T00:00:00.000Z', probe: readTranscript(file).kvm, facts: {} });

const genoa = caps('10.0.0+amdsev.x86_64.qmp.json', 'amd-genoa');
const zen2 = caps('7.2.0.x86_64.qmp.json', 'amd-zen2');
const intelA = caps('4.2.0.x86_64.qmp.json', 'intel-a');
const intelB = caps('4.2.0.x86_64.qmp.json', 'intel-b');
const fleet = [genoa, zen2, intelA, intelB];
const newest = (hosts: HostCapabilities[], disabled: string[] = []) => baselineCandidates(hosts, disabled)[0]?.model;

describe('newest model every host can run', () => {
  it('a single host gets its own generation', () => {
    expect(newest([genoa])).toBe('EPYC-Genoa-v1');
    expect(newest([zen2])).toBe('EPYC-Rome-v1');
    expect(newest([intelA])).toBe('Skylake-Client-v3');
  });

  it('two AMD generations meet at the older one, in its newest version both QEMUs know', () => {
    expect(newest([genoa, zen2])).toBe('EPYC-Rome-v1');
  });

  it('AMD and Intel meet at the newest Intel model the AMD hosts can also run', () => {
    const candidates = baselineCandidates(fleet);
    expect(candidates[0]).toEqual({ model: 'SandyBridge-v1', family: 'SandyBridge', version: 1, vendor: 'intel', released: '2011-01' });
    expect(candidates.map((c) => c.model).slice(0, 3)).toEqual(['SandyBridge-v1', 'Westmere-v1', 'Nehalem-v1']);
    // Only concrete names: never an alias, never host/max/base.
    for (const c of candidates) expect(c.model).toMatch(/-v\d+$/);
  });

  it('disabling the features that block a newer model makes it a candidate', () => {
    const blockers = intelA.models.find((m) => m.name === 'Skylake-Server-v1')!.blockers;
    expect(blockers.length).toBeGreaterThan(0);
    // v2 and v3 have the same blockers as v1 here; the newest version wins.
    expect(newest([intelA], blockers)).toBe('Skylake-Server-v3');
  });

  it('no common model: none', () => {
    const nothing = { ...genoa, models: genoa.models.map((m) => ({ ...m, usable: false, blockers: ['x'] })) };
    expect(baselineCandidates([nothing, intelA])).toEqual([]);
    expect(baselineCandidates([])).toEqual([]);
  });
});

describe('compareNewest: the tie-breaks', () => {
  const sort = (names: string[], vendors: Array<'intel' | 'amd'> = [], deprecated: string[] = []) =>
    [...names].sort((a, b) => compareNewest(a, b, { hostVendors: vendors, deprecated: new Set(deprecated) }));

  it('later first shipment first, across vendors', () => {
    expect(sort(['SandyBridge-v1', 'EPYC-v1', 'Opteron_G5-v1', 'Haswell-v4'])).toEqual(['EPYC-v1', 'Haswell-v4', 'Opteron_G5-v1', 'SandyBridge-v1']);
  });
  it('versions numerically, and a name without a version after the versioned ones', () => {
    expect(sort(['Cascadelake-Server-v9', 'Cascadelake-Server', 'Cascadelake-Server-v10', 'Cascadelake-Server-noTSX'])).toEqual([
      'Cascadelake-Server-v10',
      'Cascadelake-Server-v9',
      'Cascadelake-Server',
      'Cascadelake-Server-noTSX',
    ]);
  });
  it('same month: the vendor of the hosts first', () => {
    expect(sort(['EPYC-Rome-v1', 'Icelake-Client-v1'], ['intel', 'intel'])[0]).toBe('Icelake-Client-v1');
    expect(sort(['EPYC-Rome-v1', 'Icelake-Client-v1'], ['amd', 'amd', 'intel'])[0]).toBe('EPYC-Rome-v1');
  });
  it('deprecated and unknown families last', () => {
    expect(sort(['FutureLake-v1', 'pentium-v1', 'Icelake-Client-v1'], [], ['Icelake-Client-v1'])).toEqual(['pentium-v1', 'FutureLake-v1', 'Icelake-Client-v1']);
  });
  it('parses families, variants and versions', () => {
    expect(parseModelName('Skylake-Client-noTSX-IBRS')).toEqual({ name: 'Skylake-Client-noTSX-IBRS', family: 'Skylake-Client', version: null, variant: 'noTSX-IBRS' });
    expect(parseModelName('EPYC-Rome-v4')).toEqual({ name: 'EPYC-Rome-v4', family: 'EPYC-Rome', version: 4, variant: null });
    expect(parseModelName('Opteron_G3-v1').family).toBe('Opteron_G3');
  });
});

describe('extras and live migration', () => {
  it('extras: what every host model has, less the model, required, disabled and non-migratable features', () => {
    const extras = commonExtraFeatures(fleet, ['sse', 'sse2', 'avx'], { requiredFeatures: ['aes'], disabledFeatures: ['rdrand'] });
    expect(extras).toEqual(expect.arrayContaining(['avx2', 'bmi1', 'bmi2', 'fma', 'movbe']));
    for (const f of ['sse', 'sse2', 'avx', 'aes', 'rdrand', 'invtsc', 'sse4a', 'svm', 'vmx']) expect(extras).not.toContain(f);
  });

  it('flags features only some hosts have, and non-migratable ones asked for', () => {
    const blockers = migrationBlockers(fleet, ['avx2', 'invtsc']);
    expect(blockers.find((b) => b.feature === 'sse4a')).toEqual(
      expect.objectContaining({ kind: 'not-on-every-host', hosts: ['amd-genoa', 'amd-zen2'], missingOn: ['intel-a', 'intel-b'], inSelection: false }),
    );
    expect(blockers.find((b) => b.feature === 'invtsc')).toEqual(expect.objectContaining({ kind: 'non-migratable', inSelection: true }));
    expect(blockers.find((b) => b.feature === 'avx2')).toBeUndefined();
  });

  it('required features a host model lacks, per host', () => {
    expect(lackingRequiredFeatures(fleet, ['sse4a', 'avx2', 'invtsc'])).toEqual([
      { host: 'intel-a', features: ['sse4a'] },
      { host: 'intel-b', features: ['sse4a'] },
    ]);
  });

  it('suggests the newest machine type of the same kind every host knows', () => {
    expect(suggestMachineType([genoa, intelA], ['pc-q35-10.0', 'pc-q35-4.2'])).toBe('pc-q35-4.2');
    expect(suggestMachineType([genoa, zen2], ['pc-q35-10.0', 'pc-q35-7.2'])).toBe('pc-q35-7.2');
    expect(suggestMachineType([genoa, zen2], ['pc-q35-10.0', 'pc-i440fx-7.2'])).toBeNull();
  });

  it('drift between a pinned baseline and a fresh one', () => {
    expect(baselineDrift({ model: 'SandyBridge-v1', requiredFeatures: ['avx2', 'fma'] }, { model: 'SandyBridge-v1', requiredFeatures: ['fma', 'avx2'] }).changed).toBe(false);
    expect(baselineDrift({ model: 'SandyBridge-v1', requiredFeatures: ['avx2'] }, { model: 'EPYC-Rome-v1', requiredFeatures: ['sha-ni'] })).toEqual({
      changed: true,
      modelChanged: true,
      pinnedModel: 'SandyBridge-v1',
      bestModel: 'EPYC-Rome-v1',
      addedFeatures: ['sha-ni'],
      removedFeatures: ['avx2'],
    });
  });
});
