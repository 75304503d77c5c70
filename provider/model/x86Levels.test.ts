import { levelFeatures, missingForLevel, reachesLevel, x86LevelOf, X86_LEVELS } from './x86Levels';
import { QEMU_X86_FEATURES } from './featureNames';
import { isThirtyTwoBitModel, vendorRule } from './baselinePolicy';
import { concreteModelNames, modelLevels } from './modelLevels';
import type { HostCapabilities } from './capabilities';

const v1 = ['cmov', 'cx8', 'fpu', 'fxsr', 'lm', 'mmx', 'sse', 'sse2', 'syscall'];
const v2 = [...v1, 'cx16', 'lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'];
const v3 = [...v2, 'abm', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave'];
const v4 = [...v3, 'avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'];

describe('x86-64 levels', () => {
  it('every level feature is a QEMU feature name', () => {
    for (const l of X86_LEVELS) for (const f of l.adds) expect(QEMU_X86_FEATURES).toContain(f);
  });
  it('the psABI lists, cumulative', () => {
    expect(levelFeatures('x86-64-v1')).toEqual(v1);
    expect(levelFeatures('x86-64-v4').sort()).toEqual([...v4].sort());
  });
  it('the highest level reached, and what the next one lacks', () => {
    expect(x86LevelOf([])).toEqual({ level: null, nextLevel: 'x86-64-v1', missingForNext: [...v1].sort() });
    // pentium3: SSE but no SSE2, no long mode.
    expect(x86LevelOf(['cmov', 'cx8', 'fpu', 'fxsr', 'mmx', 'sse'])).toEqual({ level: null, nextLevel: 'x86-64-v1', missingForNext: ['lm', 'sse2', 'syscall'] });
    // This nested-KVM host: 64-bit, but no pni, popcnt, SSE4 or SSSE3.
    expect(x86LevelOf([...v1, 'cx16', 'lahf-lm'])).toEqual({ level: 'x86-64-v1', nextLevel: 'x86-64-v2', missingForNext: ['pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] });
    expect(x86LevelOf(v2).level).toBe('x86-64-v2');
    expect(x86LevelOf([...v3, 'avx512f']).missingForNext).toEqual(['avx512bw', 'avx512cd', 'avx512dq', 'avx512vl']);
    expect(x86LevelOf(v4)).toEqual({ level: 'x86-64-v4', nextLevel: null, missingForNext: [] });
    // Levels are cumulative: v3 features without v2's are still v1.
    expect(x86LevelOf([...v1, 'avx', 'avx2']).level).toBe('x86-64-v1');
  });
  it('comparison and shortfall', () => {
    expect(reachesLevel('x86-64-v3', 'x86-64-v2')).toBe(true);
    expect(reachesLevel('x86-64-v1', 'x86-64-v2')).toBe(false);
    expect(reachesLevel(null, 'x86-64-v1')).toBe(false);
    expect(missingForLevel(v1, 'x86-64-v2')).toEqual(['cx16', 'lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3']);
  });
});

describe('baseline policy', () => {
  it('32-bit families', () => {
    for (const m of ['pentium3-v1', 'pentium3', '486-v1', 'athlon-v1', 'qemu32-v1', 'kvm32', 'coreduo-v1', 'n270-v1']) expect(isThirtyTwoBitModel(m)).toBe(true);
    for (const m of ['qemu64-v1', 'kvm64-v1', 'Opteron_G1-v1', 'Conroe-v1', 'EPYC-v4']) expect(isThirtyTwoBitModel(m)).toBe(false);
  });
  it('one vendor: its models and generic ones; mixed or unknown: any, saying so', () => {
    const amd = vendorRule(['amd', 'amd']);
    expect([amd.allows('EPYC-v1'), amd.allows('qemu64-v1'), amd.allows('SandyBridge-v1'), amd.allows('FutureLake-v1')]).toEqual([true, true, false, true]);
    expect(amd).toEqual(expect.objectContaining({ fleetVendors: ['amd'], crossVendor: false, note: null }));
    expect(vendorRule(['hygon']).allows('EPYC-v1')).toBe(true);
    const mixed = vendorRule(['intel', 'amd']);
    expect(mixed.allows('SandyBridge-v1') && mixed.allows('EPYC-v1')).toBe(true);
    expect(mixed.note).toMatch(/^the fleet mixes CPU vendors \(amd, intel\)/);
    expect(vendorRule(['intel', undefined]).crossVendor).toBe(true);
  });
});

describe('modelLevels', () => {
  it("a model's definition less what the host cannot give it; aliases and host/max/base are not asked", () => {
    const model = (name: string, over: Record<string, unknown> = {}) => ({ name, aliasOf: null, usable: true, blockers: [], deprecated: false, migrationSafe: true, ...over });
    const caps = { models: [model('kvm64-v1', { usable: false, blockers: ['pni'] }), model('kvm64', { aliasOf: 'kvm64-v1' }), model('pentium3-v1'), model('host')] } as unknown as HostCapabilities;
    expect(concreteModelNames(caps)).toEqual(['kvm64-v1', 'pentium3-v1']);
    expect(modelLevels(caps, [{ name: 'kvm64-v1', features: [...v1, 'cx16', 'pni'] }, { name: 'pentium3-v1', features: ['fpu', 'mmx', 'sse'] }])).toEqual([
      { model: 'kvm64-v1', usable: false, level: 'x86-64-v1', missingForNext: ['lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'], blockedBy: ['pni'] },
      { model: 'pentium3-v1', usable: true, level: null, missingForNext: ['cmov', 'cx8', 'fxsr', 'lm', 'sse2', 'syscall'], blockedBy: [] },
    ]);
  });
});
