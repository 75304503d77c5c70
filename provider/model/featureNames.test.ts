import fc from 'fast-check';
import {
  LINUX_SYNTHETIC_FLAGS,
  QEMU_X86_FEATURES,
  canonicalFeatureName,
  cpuinfoFlagFeature,
  normalizeFeatureList,
} from './index';

describe('canonicalFeatureName', () => {
  test.each([
    // QEMU canonical names stay as they are
    ['pni', 'pni'],
    ['sse4.1', 'sse4.1'],
    ['avx512-vpopcntdq', 'avx512-vpopcntdq'],
    ['tsc-deadline', 'tsc-deadline'],
    // QEMU aliases
    ['sse3', 'pni'],
    ['sse4-1', 'sse4.1'],
    ['sse4_2', 'sse4.2'],
    ['pclmuldq', 'pclmulqdq'],
    ['i64', 'lm'],
    ['xd', 'nx'],
    ['ffxsr', 'fxsr-opt'],
    ['ds_cpl', 'ds-cpl'],
    ['kvm_pv_eoi', 'kvm-pv-eoi'],
    // /proc/cpuinfo spellings
    ['sse4_1', 'sse4.1'],
    ['lahf_lm', 'lahf-lm'],
    ['avx512_vbmi2', 'avx512vbmi2'],
    ['avx512_vnni', 'avx512vnni'],
    ['avx512_bitalg', 'avx512bitalg'],
    ['avx512_vpopcntdq', 'avx512-vpopcntdq'],
    ['avx512_bf16', 'avx512-bf16'],
    ['sha_ni', 'sha-ni'],
    ['tsc_deadline_timer', 'tsc-deadline'],
    ['cr8_legacy', 'cr8legacy'],
    ['fxsr_opt', 'fxsr-opt'],
    ['cmp_legacy', 'cmp-legacy'],
    ['pausefilter', 'pause-filter'],
    ['v_vmsave_vmload', 'v-vmsave-vmload'],
    ['dts', 'ds'],
    ['ssse3', 'ssse3'],
    // libvirt spellings
    ['tsc_adjust', 'tsc-adjust'],
    ['arch-capabilities', 'arch-capabilities'],
    ['spec-ctrl', 'spec-ctrl'],
    ['amd-ssbd', 'amd-ssbd'],
    ['nodeid_msr', 'nodeid-msr'],
    // case-insensitive
    ['AVX2', 'avx2'],
    ['SSE4_1', 'sse4.1'],
    ['  Sha_NI ', 'sha-ni'],
  ])('%s -> %s', (input, canonical) => {
    expect(canonicalFeatureName(input)).toBe(canonical);
  });

  test.each(['', 'no-such-feature', 'hv-relaxed', 'migratable', 'family', 'osxsave', 'sdbg'])(
    '%p is not a QEMU CPU feature',
    (name) => expect(canonicalFeatureName(name)).toBeUndefined(),
  );

  test.each([
    'constant_tsc', 'rep_good', 'nopl', 'xtopology', 'nonstop_tsc', 'cpuid', 'tsc_known_freq', 'extd_apicid',
    'aperfmperf', 'vmmcall', 'ept', 'flexpriority',
  ])('Linux-synthetic flag %s maps to nothing', (flag) => {
    expect(canonicalFeatureName(flag)).toBeUndefined();
    expect(canonicalFeatureName(flag, new Set([flag, flag.replace(/_/g, '-')]))).toBeUndefined();
  });

  test('a known set restricts the answer, aliases included', () => {
    const known = new Set(['pni', 'lahf-lm']);
    expect(canonicalFeatureName('sse3', known)).toBe('pni');
    expect(canonicalFeatureName('lahf_lm', known)).toBe('lahf-lm');
    expect(canonicalFeatureName('avx2', known)).toBeUndefined();
    expect(canonicalFeatureName('pclmuldq', known)).toBeUndefined();
  });

  test('every table name survives case and separator changes', () => {
    const names = [...QEMU_X86_FEATURES];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.boolean(), fc.constantFrom('-', '_'), (name, upper, sep) => {
        const spelled = (upper ? name.toUpperCase() : name).replace(/[-.]/g, sep);
        expect(canonicalFeatureName(spelled)).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  test('the static table holds canonical names only', () => {
    expect(QEMU_X86_FEATURES.size).toBeGreaterThan(350);
    for (const name of QEMU_X86_FEATURES) {
      expect(name).toBe(name.toLowerCase());
      expect(LINUX_SYNTHETIC_FLAGS.has(name)).toBe(false);
    }
    for (const alias of ['sse3', 'sse4-1', 'sse4_1', 'lahf_lm', 'i64', 'xd', 'pclmuldq']) {
      expect(QEMU_X86_FEATURES.has(alias)).toBe(false);
    }
  });
});

describe('cpuinfoFlagFeature', () => {
  test('vendor-mixed Linux flags name no QEMU feature', () => {
    for (const flag of ['ibrs', 'ibpb', 'stibp', 'ssbd']) {
      expect(cpuinfoFlagFeature(flag)).toBeUndefined();
      expect(canonicalFeatureName(flag)).toBe(flag);
    }
    expect(cpuinfoFlagFeature('sse4_2')).toBe('sse4.2');
  });
});

describe('normalizeFeatureList', () => {
  test('splits canonical from unknown, de-duplicated, order kept', () => {
    expect(normalizeFeatureList(['sse4_1', 'pni', 'constant_tsc', 'sse4.1', 'sse3', 'bogus', 'bogus', 'AES'])).toEqual({
      canonical: ['sse4.1', 'pni', 'aes'],
      unknown: ['constant_tsc', 'bogus'],
    });
  });
});
