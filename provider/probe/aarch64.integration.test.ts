/**
 * arm64 (aarch64) hosts for real: Debian's qemu-system-aarch64 under TCG as a
 * host's qemuBinary, over the real loopback sshd. These machines are x86, so
 * arm's KVM path is not run here (README: what was tested where); the
 * recorded KVM session (../shared/fixtures/qmp/10.0.0.aarch64.qmp.json) is
 * replayed in aarch64Replay.integration.test.ts.
 *
 * A second "host" with fewer SVE vector lengths and no pointer
 * authentication is the same QEMU behind a wrapper that sets -global
 * max-arm-cpu.sve512=off and pauth=off: QEMU's own expansion of max then
 * reports sve128, sve256 and sve384 only, as a host with smaller SVE would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeHost } from './probeHost';
import { verifySelection } from './verifySelection';
import { findBaseline } from './baseline';
import { SelectionInputsSchema, type SelectionInputsInput } from '../inventory';
import { ConfigError } from '../errors';
import { loopbackSshd } from '../../harness/loopbackSshd';
import { scratchDir } from '../../harness/paths';

const AARCH64 = '/usr/bin/qemu-system-aarch64';

/** The same QEMU posing as a host whose max CPU has SVE up to 384 bits and no pauth. */
function smallerSveQemu(): string {
  const dir = path.join(scratchDir, 'aarch64-smaller-sve');
  const file = path.join(dir, 'qemu-system-aarch64');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\nexec ${AARCH64} -global max-arm-cpu.sve512=off -global max-arm-cpu.pauth=off "$@"\n`, { mode: 0o755 });
  return file;
}

describe('aarch64 hosts: real qemu-system-aarch64 under TCG over SSH', () => {
  const loop = loopbackSshd();
  const { pool } = loop;
  const cacheDir = path.join(scratchDir, `aarch64-cache-${process.pid}`);
  afterAll(async () => {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
  const arm = (name: string, qemuBinary = AARCH64) => ({ ...loop.sshd.connection({ name }), qemuBinary });
  const inputs = (input: Partial<SelectionInputsInput> & { hosts: SelectionInputsInput['hosts'] }) =>
    SelectionInputsSchema.parse({ accelerator: 'tcg', model: 'max', ...input }) as never;

  it('probe: the models QEMU offers, max with its SVE lengths, pauth, pmu and aarch64, from a full expansion', async () => {
    const caps = await probeHost({ connection: loop.sshd.connection({ name: 'arm-a' }), accelerator: 'tcg', qemuBinary: AARCH64 }, { pool, cache: 'off', vcpuStartCheck: true });
    expect(caps.arch).toBe('aarch64');
    expect(caps.hostModel.name).toBe('max');
    for (const f of ['aarch64', 'pmu', 'pauth', 'sve', 'sve128', 'sve256', 'sve512', 'sve2048']) expect(caps.hostModel.features).toContain(f);
    expect(caps.models.map((m) => m.name)).toEqual(expect.arrayContaining(['max', 'cortex-a57', 'cortex-a72', 'neoverse-n1']));
    // QEMU lists no unavailable-features on arm: usability is unknown except where a paused virt VM started.
    const max = caps.models.find((m) => m.name === 'max')!;
    expect(max).toMatchObject({ usable: true, vcpuStart: { machineType: 'virt', starts: true } });
    expect(caps.models.find((m) => m.name === 'cortex-a57')?.usable).toBeNull();
    expect(caps.usabilityNote).toMatch(/does not report which arm models/);
    // The host CPU is x86: it says nothing about an emulated arm guest.
    expect(caps.hostCpu?.arch).toBe('x86_64');
    expect(caps.notExposable).toEqual([]);
  });

  it('check: max with chosen SVE lengths and pauth off starts a paused virt VM (can), rendered in arm -cpu syntax', async () => {
    const report = await verifySelection(
      inputs({ hosts: [arm('arm-a')], requiredFeatures: ['sve', 'sve128', 'sve256', 'sve512'], disabledFeatures: ['sve1024', 'pauth'] }),
      { pool, cache: 'off' },
    );
    expect(report.hosts[0]).toMatchObject({ outcome: 'can', arch: 'aarch64', source: 'vm-start', resolvedModel: 'max' });
    expect(report.hosts[0].machineType).toMatch(/^virt-\d+\.\d+$/);
    expect(report.ok).toBe(true);
    expect(report.qemuCpuArg).toBe('max,sve=on,sve128=on,sve256=on,sve512=on,sve1024=off,pauth=off');
    expect(report.hosts[0].effectiveFeatures).toContain('sve512');
    expect(report.hosts[0].effectiveFeatures).not.toContain('pauth');
  });

  it("check: QEMU's refusals at start are 'cannot' with its own words: aarch64=off under TCG, an SVE length without the smaller power of two, a property a model lacks", async () => {
    const [noAarch64, gap, a57] = await Promise.all([
      verifySelection(inputs({ hosts: [arm('arm-a')], disabledFeatures: ['aarch64'] }), { pool, cache: 'off' }),
      verifySelection(inputs({ hosts: [arm('arm-a')], requiredFeatures: ['sve', 'sve128', 'sve512'], disabledFeatures: ['sve256'] }), { pool, cache: 'off' }),
      verifySelection(inputs({ hosts: [arm('arm-a')], model: 'cortex-a57', requiredFeatures: ['sve'] }), { pool, cache: 'off' }),
    ]);
    expect(noAarch64.hosts[0]).toMatchObject({ outcome: 'cannot', kind: 'cpu-properties' });
    expect(noAarch64.hosts[0].qemuStderr).toMatch(/'aarch64' feature cannot be disabled/);
    expect(gap.hosts[0]).toMatchObject({ outcome: 'cannot', kind: 'cpu-properties' });
    expect(gap.hosts[0].qemuStderr).toMatch(/sve256 is required/);
    expect(a57.hosts[0]).toMatchObject({ outcome: 'cannot', kind: 'unknown-feature', missingFeatures: ['sve'] });
    for (const r of [noAarch64, gap, a57]) expect(r.decided).toBe(true);
  });

  it('baseline of two arm hosts: max with the SVE lengths both support on, the rest and pauth off, confirmed by one paused VM per host', async () => {
    const report = await findBaseline(inputs({ hosts: [arm('arm-big'), arm('arm-small', smallerSveQemu())] }), { pool, probe: { cache: 'off' } });
    expect(report.ok).toBe(true);
    expect(report.model).toBe('max');
    expect(report.method).toBe('host-model');
    expect(report.selection?.requiredFeatures).toEqual(expect.arrayContaining(['sve', 'sve128', 'sve256', 'sve384', 'pmu', 'aarch64']));
    expect(report.selection?.requiredFeatures).not.toContain('sve512');
    expect(report.selection?.disabledFeatures).toEqual(expect.arrayContaining(['sve512', 'sve2048', 'pauth']));
    expect(report.selection?.machineType).toBe('virt');
    expect(report.qemuCpuArg).toMatch(/^max,sve=on,sve128=on,sve256=on,sve384=on,/);
    expect(report.qemuCpuArg).toContain('pauth=off');
    expect(report.verification?.hosts.map((h) => h.outcome)).toEqual(['can', 'can']);
    expect(report.candidates).toEqual([expect.objectContaining({ model: 'max', outcome: 'confirmed' })]);
  });

  it('a mixed x86 + arm fleet: check says so as its reason, baseline refuses it; never "no baseline"', async () => {
    const x86 = loop.sshd.connection({ name: 'x86-a' });
    const check = await verifySelection(inputs({ hosts: [x86, arm('arm-a')], model: 'max' }), { pool, cache: 'off' });
    expect(check.ok).toBe(false);
    expect(check.unmet).toEqual([expect.objectContaining({ kind: 'mixed-architecture', reason: expect.stringMatching(/x86_64 \(x86-a\) and aarch64 \(arm-a\): no guest CPU runs on both/) })]);
    const baseline = findBaseline(inputs({ hosts: [x86, arm('arm-a')] }), { pool, probe: { cache: 'off' } });
    await expect(baseline).rejects.toBeInstanceOf(ConfigError);
    await expect(baseline).rejects.toThrow(/a baseline needs hosts of one architecture.*x86_64 \(x86-a\) and aarch64 \(arm-a\)/);
  });

  it('the fingerprint cache answers a repeated arm check with no VM', async () => {
    const ask = () => verifySelection(inputs({ hosts: [arm('arm-c')], requiredFeatures: ['sve', 'sve128'] }), { pool, cacheDir });
    const first = await ask();
    const second = await ask();
    expect(first.hosts[0].outcome).toBe('can');
    expect(second.hosts[0]).toMatchObject({ outcome: 'can', fromCache: true, arch: 'aarch64' });
  });
});
