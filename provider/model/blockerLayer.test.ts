import { blockerLayer, groupByLayer, type LayerEvidence } from './blockerLayer';
import { attributeAcrossQemus, type HostVerdict } from './hostVerdict';

const kvm: LayerEvidence = { accelerator: 'kvm', cpuinfoFlags: ['fpu', 'sse4_1', 'erms', 'popcnt', 'ht'], hostModelUnderNone: ['fpu', 'sse4.1'] };

describe('blockerLayer says only what the evidence proves', () => {
  it.each([
    ['avx2', 'cpu'],
    ['erms', 'kvm-or-qemu'],
    ['ht', 'topology'],
    ['sse4.1', 'undecided'],
    ['kvm-pv-eoi', 'undecided'],
    ['mds-no', 'undecided'],
    ['ibrs', 'undecided'],
  ])('%s is %s', (feature, layer) => {
    expect(blockerLayer(feature, kvm).layer).toBe(layer);
  });

  it('without /proc/cpuinfo or the host model nothing but topology is decided', () => {
    expect(blockerLayer('avx2', { accelerator: 'kvm' })).toEqual({ feature: 'avx2', layer: 'undecided', evidence: 'the host model under -machine none was not read' });
    expect(blockerLayer('erms', { accelerator: 'kvm', hostModelUnderNone: [] })).toEqual({ feature: 'erms', layer: 'undecided', evidence: '/proc/cpuinfo was not read' });
  });

  it('machine-type: the model lacks it under the type but not under -machine none, and it was not asked for explicitly', () => {
    const ev: LayerEvidence = { ...kvm, modelUnderNone: { model: 'qemu64', machineType: 'pc-i440fx-2.0', unavailable: ['pni'] }, requested: ['avx2'] };
    expect(blockerLayer('popcnt', ev).layer).toBe('machine-type');
    expect(blockerLayer('pni', ev).layer).toBe('cpu');
    expect(blockerLayer('avx2', ev).layer).toBe('cpu');
  });

  it('under TCG, what max lacks is qemu (TCG does not emulate it), whatever the host CPU', () => {
    expect(blockerLayer('avx512f', { accelerator: 'tcg', cpuinfoFlags: ['avx512f'], hostModelUnderNone: ['sse'] }).layer).toBe('qemu');
  });

  it('groupByLayer keeps the layer order and leaves empty layers out', () => {
    const groups = groupByLayer(['ht', 'avx2', 'erms', 'aes'].map((f) => blockerLayer(f, kvm)));
    expect(groups).toEqual([
      { layer: 'cpu', features: ['avx2', 'aes'] },
      { layer: 'kvm-or-qemu', features: ['erms'] },
      { layer: 'topology', features: ['ht'] },
    ]);
  });
});

describe('attributeAcrossQemus', () => {
  const verdict = (name: string, qemuVersion: string, over: Partial<HostVerdict>): HostVerdict => ({
    name, outcome: 'can', enforceable: true, resolvedModel: 'pentium3-v1', machineType: 'pc-q35-7.2', missingFeatures: [], qemuVersion, accelerator: 'kvm', effectiveFeatures: [], probedAt: '2026-12-03T00:00:00Z', source: 'qom-unavailable-features', ...over,
  });
  const old = verdict('old', '7.2.22', { outcome: 'cannot', enforceable: false, missingFeatures: ['erms'], blockers: [blockerLayer('erms', kvm)] });
  const fresh = verdict('new', '10.0.2', { effectiveFeatures: ['erms'] });

  it('kvm-or-qemu becomes qemu when another QEMU on the same machine gives the feature', () => {
    const [sharpened] = attributeAcrossQemus([old, fresh], ['m1', 'm1']);
    expect(sharpened.blockers).toEqual([{ feature: 'erms', layer: 'qemu', evidence: 'in /proc/cpuinfo, not in the host model; QEMU 10.0.2 on the same host (new) gives it' }]);
  });

  it('another machine, or the same QEMU version, proves nothing', () => {
    expect(attributeAcrossQemus([old, fresh], ['m1', 'm2'])[0]).toEqual(old);
    expect(attributeAcrossQemus([old, { ...fresh, qemuVersion: '7.2.22' }], ['m1', 'm1'])[0].blockers?.[0].layer).toBe('kvm-or-qemu');
  });
});
