/**
 * The fleet baseline against a heterogeneous fleet: this machine's real
 * QEMU (nested KVM on an AMD EPYC) plus hosts replaying recorded QEMUs of
 * an AMD EPYC 9654 (QEMU 9.2), an AMD Ryzen 3900X (QEMU 7.2) and two Intel
 * Skylake Xeons (QEMU 4.2), all behind one loopback sshd.
 */
import { itWithKvm } from '../../harness/accel';
import { replayQemuBinary } from '../../test/support/replayHost';
import { recordOutput } from '../../harness/secretSink';
import { loopbackSshd } from '../../harness/loopbackSshd';
import { findBaseline } from './baseline';
import { replayedBaselineFleet } from './baselineFleet.testkit';
import { SelectionInputsSchema, type SelectionInputsInput } from '../inventory';
import { verifySelection } from './verifySelection';

describe('findBaseline', () => {
  const loop = loopbackSshd();
  const { pool } = loop;
  let replayed: SelectionInputsInput['hosts'];
  beforeAll(async () => {
    replayed = await replayedBaselineFleet(loop.sshd, 'baseline');
  });
  const inputs = (hosts: SelectionInputsInput['hosts'], extra: Partial<SelectionInputsInput> = {}) =>
    SelectionInputsSchema.parse({ model: 'auto', machineType: 'pc-q35-4.2', hosts, ...extra });

  it('AMD and Intel hosts: the newest common model plus common extras, each confirmed on every host', async () => {
    const report = await findBaseline(inputs(replayed), { pool, probe: { cache: 'off' } });
    recordOutput('probe:baseline', report);
    expect(report).toEqual(expect.objectContaining({ ok: true, decided: true, model: 'SandyBridge-v1', reason: null }));
    expect(report.extraFeatures).toEqual(expect.arrayContaining(['avx2', 'bmi1', 'bmi2', 'fma', 'movbe']));
    expect(report.extraFeatures).not.toContain('sse4a');
    expect(report.verification!.hosts.map((h) => [h.name, h.enforceable])).toEqual(replayed!.map((h) => [h.name, true]));
    for (const h of report.verification!.hosts) expect(h.effectiveFeatures).toEqual(expect.arrayContaining(report.extraFeatures));
    expect(report.qemuCpuArg).toBe(`SandyBridge-v1,${report.extraFeatures.map((f) => `+${f}`).join(',')},enforce`);
    expect(report.hosts.map((h) => h.qemuVersion)).toEqual(['9.2.50', '7.2.0', '4.2.0', '4.2.0']);
    expect(report.candidates[0]).toEqual(expect.objectContaining({ model: 'SandyBridge-v1', outcome: 'confirmed', vendor: 'intel', released: '2011-01' }));
    expect(report.migration.blockers).toContainEqual(
      expect.objectContaining({ feature: 'sse4a', kind: 'not-on-every-host', hosts: ['amd-genoa', 'amd-zen2'], missingOn: ['intel-a', 'intel-b'] }),
    );
  });

  // The replays play KVM hosts, so this machine joins them under KVM, and its nested-KVM answer is what is checked.
  itWithKvm('with the real QEMU too: never a 32-bit model; no x86-64 baseline while every 64-bit model lacks pni here', async () => {
    const hosts = [loop.sshd.connection({ name: 'local-real' }), ...replayed!];
    const report = await findBaseline(inputs(hosts), { pool, probe: { cache: 'off' } });
    recordOutput('probe:baseline', report);
    // Nested KVM here gives a guest not even SSE3 (pni), and every 64-bit model QEMU defines has it.
    expect(report).toEqual(expect.objectContaining({ ok: false, decided: true, model: null, selection: null, x86Level: null }));
    expect(report.reason).toMatch(/^no x86-64 baseline: no 64-bit named CPU model is usable on every host; nearest: \S+ lacks pni;/);
    expect(report.policy).toEqual(expect.objectContaining({ fleetVendors: ['amd', 'intel'], crossVendor: true }));
    expect(report.method).toBe('named-models');
    expect(report.policy!.leftOut).toEqual(expect.arrayContaining([{ model: 'pentium3-v1', why: '32-bit' }, { model: 'pentium-v1', why: '32-bit' }]));
    // Per host, the highest level any guest there can reach: its host model's.
    expect(report.hosts.map((h) => [h.name, h.hostModelLevel])).toEqual([['local-real', 'x86-64-v1'], ['amd-genoa', 'x86-64-v4'], ['amd-zen2', 'x86-64-v3'], ['intel-a', 'x86-64-v3'], ['intel-b', 'x86-64-v3']]);
  });

  itWithKvm('with the real QEMU and pni disabled: a 64-bit baseline enforceable on each host, and one more feature fails exactly where it is missing', async () => {
    const hosts = [loop.sshd.connection({ name: 'local-real' }), ...replayed!];
    const report = await findBaseline(inputs(hosts, { disabledFeatures: ['pni'] }), { pool, probe: { cache: 'off' } });
    recordOutput('probe:baseline', report);
    expect(report.ok).toBe(true);
    expect(report.model).toBe('Opteron_G2-v1');
    expect(report.x86Level).toEqual({ level: 'x86-64-v1', nextLevel: 'x86-64-v2', missingForNext: ['pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] });
    for (const h of report.verification!.hosts) expect(h.effectiveFeatures).toEqual(expect.arrayContaining(['lm', 'sse2', 'syscall', 'cmov', 'cx8', 'fpu', 'fxsr', 'mmx', 'sse']));
    expect(report.hosts.find((h) => h.name === 'local-real')!.qemuVersion).toMatch(/^7\.2\./);
    for (const h of report.verification!.hosts) expect(h.effectiveFeatures).toEqual(expect.arrayContaining(report.extraFeatures));
    // Replays accept whatever their recorded host model offers; only real KVM may refuse a common feature (here: MSR-based ones under nested KVM).
    for (const r of report.refusedExtras) expect(r.host).toBe('local-real');
    expect(report.hosts.find((h) => h.name === 'intel-a')).toEqual(expect.objectContaining({ vendor: 'GenuineIntel', cpu: 'Intel(R) Xeon(R) CPU E3-1245 v5 @ 3.50GHz' }));
    const again = await verifySelection({ ...inputs(hosts), ...report.selection! }, { pool });
    expect(again.hosts.map((h) => [h.name, h.enforceable])).toEqual(hosts.map((h) => [h.name, true]));
    const plusOne = await verifySelection({ ...inputs(hosts), ...report.selection!, requiredFeatures: [...report.selection!.requiredFeatures, 'sse4a'] }, { pool });
    expect(plusOne.ok).toBe(false);
    expect(plusOne.hosts.filter((h) => h.enforceable === false).map((h) => h.name)).toEqual(['local-real', 'intel-a', 'intel-b']);
    for (const h of plusOne.hosts.filter((v) => v.enforceable === false)) expect(h.missingFeatures).toEqual(['sse4a']);
  });

  it('a fleet of one vendor gets its own vendor\'s models: two Intel hosts never an AMD one', async () => {
    const report = await findBaseline(inputs(replayed!.slice(2)), { pool, probe: { cache: 'off' } });
    expect(report).toEqual(expect.objectContaining({ ok: true, model: 'Skylake-Client-v3' }));
    expect(report.policy).toEqual(expect.objectContaining({ fleetVendors: ['intel'], crossVendor: false, note: null }));
    expect(report.policy!.leftOut.filter((l) => l.why === 'other-vendor').map((l) => l.model)).toEqual(expect.arrayContaining(['Opteron_G1-v1']));
    expect(report.candidates.every((c) => c.vendor !== 'amd')).toBe(true);
  });

  it('a required feature no model can add: not satisfiable, and the ground truth names the hosts', async () => {
    const report = await findBaseline(inputs(replayed, { requiredFeatures: ['sse4a'] }), { pool, probe: { cache: 'off' } });
    expect(report).toEqual(expect.objectContaining({ ok: false, decided: true, model: null, selection: null }));
    expect(report.reason).toBe('a required feature is missing: intel-a lacks sse4a; intel-b lacks sse4a');
    expect(report.verification!.hosts.filter((h) => h.enforceable === false).map((h) => h.name)).toEqual(['intel-a', 'intel-b']);
  });

  it('a host that cannot be asked makes the baseline undecided, not smaller', async () => {
    const report = await findBaseline(inputs([replayed![0], { host: '127.0.0.1', port: 1, name: 'dead', dialErrorLimit: 1 }]), { pool, probe: { cache: 'off' } });
    expect(report).toEqual(expect.objectContaining({ ok: false, decided: false, model: null, reason: '1 host could not be asked' }));
    expect(report.hosts[1].error).toMatch(/^dead: could not connect/);
  });

  it('a host that answers the probe but not the ground truth: undecided, and the report says which', async () => {
    const broken = { ...loop.sshd.connection({ name: 'no-vcpu' }), qemuBinary: replayQemuBinary('4.2.0.x86_64.qmp.json', 'kvm', 'no-vcpu') };
    const report = await findBaseline(inputs([replayed![2], broken]), { pool, probe: { cache: 'off' } });
    expect(report).toEqual(expect.objectContaining({ ok: false, decided: false, model: null, reason: 'could not ask no-vcpu for the ground truth' }));
    expect(report.verification!.hosts[1]).toEqual(expect.objectContaining({ name: 'no-vcpu', enforceable: null, error: expect.stringMatching(/no vCPU/) }));
  });
});
