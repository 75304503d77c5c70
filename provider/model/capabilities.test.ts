import { DOMAINCAPS_FILES, TRANSCRIPT_FILES, readDomainCapsVerdicts, readTranscript } from '../../test/support/transcripts';
import {
  HostCapabilitiesSchema,
  buildCapabilities,
  featureGap,
  notExposableFeatures,
  type HostCapabilities,
  type QemuProbeRecord,
} from './index';

const probedAt = '2025-01-01T00:00:00.000Z';

/** Nested KVM on an EPYC: the L1 guest's cpuinfo lists pni, aes and avx2, but its KVM offers none of them. */
const NESTED_CPUINFO = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 17
model name	: AMD EPYC
stepping	: 1
microcode	: 0x1000065
flags		: fpu sse sse2 constant_tsc rep_good nopl xtopology nonstop_tsc cpuid pni pclmulqdq ssse3 sse4_1 sse4_2 aes avx avx2 hypervisor lahf_lm ssbd ibpb no_such_flag
`;

function nestedProbe(base: QemuProbeRecord): QemuProbeRecord {
  const props = { ...base.hostExpansion.model.props, pni: false, aes: false, avx2: false, sse4a: false, ibpb: false };
  return { ...base, hostExpansion: { model: { ...base.hostExpansion.model, props } } };
}

const transcripts = new Map(TRANSCRIPT_FILES.map((file) => [file, readTranscript(file)]));

describe.each(TRANSCRIPT_FILES)('%s', (file) => {
  const records = transcripts.get(file)!;

  describe.each(['kvm', 'tcg'] as const)('%s session', (accel) => {
    const probe = records[accel];
    const caps = buildCapabilities({ host: 'fixture', probedAt, probe, facts: {} });

    test('builds a valid capabilities document', () => {
      expect(HostCapabilitiesSchema.parse(caps)).toEqual(caps);
      const { major, minor, micro } = probe.version.qemu;
      expect(caps.qemu.version).toBe(`${major}.${minor}.${micro}`);
      expect(caps.arch).toBe('x86_64');
      expect(caps.accelerator).toBe(accel);
      expect(caps.hostModel.name).toBe(accel === 'kvm' ? 'host' : 'max');
      expect(caps.hostCpu).toBeNull();
      expect(caps.kernelRelease).toBeNull();
      expect(caps.notExposable).toEqual([]);
    });

    test('hostModel.features are exactly the true-valued props, sorted', () => {
      const props = probe.hostExpansion.model.props ?? {};
      const expected = Object.keys(props)
        .filter((k) => props[k] === true)
        .sort();
      expect(caps.hostModel.features).toEqual(expected);
      expect(caps.hostModel.features.length).toBeGreaterThan(50);
      expect(caps.hostModel.modelId).toBe(String(props['model-id']).trimEnd());
    });

    test('models keep QEMU order, blockers de-duplicated in QEMU order', () => {
      expect(caps.models.map((m) => m.name)).toEqual(probe.definitions.map((d) => d.name));
      for (const name of ['host', 'max', 'base']) expect(caps.models.some((m) => m.name === name)).toBe(true);
      probe.definitions.forEach((def, i) => {
        const model = caps.models[i];
        const unavailable = def['unavailable-features']!;
        expect(new Set(model.blockers)).toEqual(new Set(unavailable));
        expect(model.blockers).toEqual(unavailable.filter((f, j) => unavailable.indexOf(f) === j));
        expect(model.usable).toBe(unavailable.length === 0);
        expect(model.aliasOf).toBe(def['alias-of'] ?? null);
      });
      expect(caps.machines.map((m) => m.name)).toEqual(probe.machines.map((m) => m.name));
      expect(caps.machines.filter((m) => m.isDefault)).toHaveLength(1);
    });
  });

  const domaincaps = DOMAINCAPS_FILES[file];
  if (domaincaps.length === 0) return;
  test.each(domaincaps)('usable models match libvirt verdicts in %s', (xml) => {
    const caps = buildCapabilities({ host: 'fixture', probedAt, probe: records.kvm, facts: {} });
    const verdicts = readDomainCapsVerdicts(xml);
    expect(verdicts.size).toBeGreaterThan(40);
    const ours = new Map(caps.models.map((m) => [m.name, m.usable]));
    const libvirtUsable = [...verdicts].filter(([, usable]) => usable).map(([name]) => name);
    const oursUsable = [...verdicts.keys()].filter((name) => ours.get(name) === true);
    expect(oursUsable).toEqual(libvirtUsable);
    for (const name of verdicts.keys()) expect(ours.has(name)).toBe(true);
  });
});

describe('accelerator and kvm', () => {
  test('9.1.0 has no query-kvm: kvm is null, requested accelerator stands', () => {
    const { kvm, tcg } = transcripts.get('9.1.0.x86_64.qmp.json')!;
    expect(kvm.kvm).toBeNull();
    const caps = buildCapabilities({ host: 'h', probedAt, probe: kvm, facts: {} });
    expect(caps.kvm).toBeNull();
    expect(caps.accelerator).toBe('kvm');
    expect(buildCapabilities({ host: 'h', probedAt, probe: tcg, facts: {} }).kvm).toEqual({ present: true, enabled: false });
  });

  test('KVM requested but query-kvm says disabled -> tcg', () => {
    const { kvm } = transcripts.get('7.2.0.x86_64.qmp.json')!;
    const caps = buildCapabilities({ host: 'h', probedAt, probe: { ...kvm, kvm: { present: true, enabled: false } }, facts: {} });
    expect(caps.accelerator).toBe('tcg');
  });

  test('the 4.2.0 KVM session describes its Skylake host', () => {
    const caps = buildCapabilities({ host: 'h', probedAt, probe: transcripts.get('4.2.0.x86_64.qmp.json')!.kvm, facts: {} });
    expect(caps.hostModel).toMatchObject({
      vendor: 'GenuineIntel',
      family: 6,
      model: 94,
      stepping: 3,
      modelId: 'Intel(R) Xeon(R) CPU E3-1245 v5 @ 3.50GHz',
    });
    expect(caps.qemu).toEqual({ binary: '/usr/bin/qemu-system-x86_64', version: '4.2.0', package: 'v4.2.0' });
  });
});

describe('notExposable', () => {
  const base = transcripts.get('10.0.0+amdsev.x86_64.qmp.json')!.kvm;

  test('cpuinfo features false in the host model are reported, canonical and sorted', () => {
    const caps = buildCapabilities({
      host: 'nested',
      probedAt,
      probe: nestedProbe(base),
      facts: { cpuinfo: NESTED_CPUINFO, kernelRelease: '6.18.44\n' },
    });
    // sse4a is false too, but this host's cpuinfo does not list it; ssbd/ibpb are vendor-mixed Linux flags.
    expect(caps.notExposable).toEqual(['aes', 'avx2', 'pni']);
    expect(caps.kernelRelease).toBe('6.18.44');
    expect(caps.hostCpu).toMatchObject({ vendor: 'AuthenticAMD', family: 25, microcode: '0x1000065' });
    expect(caps.hostCpu!.flags).toContain('sse4_1');
    expect(HostCapabilitiesSchema.parse(caps)).toEqual(caps);

    expect(featureGap(caps, ['avx2', 'sse4_1', 'SSE3', 'nonsense'])).toEqual({
      available: ['sse4.1'],
      missing: ['avx2', 'pni'],
      withheld: ['avx2', 'pni'],
      unknown: ['nonsense'],
    });
  });

  test('an inline expansion', () => {
    const expansion = { model: { name: 'base', props: { pni: false, aes: false, avx2: false, 'sse4.1': true, family: 25 } } };
    expect(notExposableFeatures(['avx2', 'sse4_1', 'aes', 'pni', 'constant_tsc', 'family'], expansion)).toEqual([
      'aes',
      'avx2',
      'pni',
    ]);
  });

  test('the unmodified recording exposes everything its cpuinfo lists', () => {
    const caps: HostCapabilities = buildCapabilities({ host: 'h', probedAt, probe: base, facts: { cpuinfo: NESTED_CPUINFO } });
    expect(caps.notExposable).toEqual([]);
  });
});
