/**
 * How many paused VMs a baseline starts, against a real loopback sshd:
 * cold, each host's probe and one VM per host for the winner (the newest
 * candidate with every offered extra, the model alone expanded in the
 * same VM); warm, with the hosts unchanged, none at all, over one
 * connection and one exec per host. The hosts replay recorded QEMUs (an
 * AMD EPYC 9654, a Ryzen 3900X, two Skylake Xeons), which accept what
 * their recorded host model offers; the real QEMU of this machine joins
 * them where its KVM refuses some of those extras.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countingPools } from '../../harness/countingTransport';
import { scratchDir } from '../../harness/paths';
import { realAccel } from '../../harness/accel';
import { recordOutput, registerSecret } from '../../harness/secretSink';
import { startSshd, type Sshd } from '../../harness/sshd';
import { SelectionInputsSchema, type SelectionInputsInput } from '../inventory';
import { findBaseline } from './baseline';
import { replayedBaselineFleet } from './baselineFleet.testkit';
import type { BaselineReport } from './baselineReport';
import { verifySelection } from './verifySelection';

describe('findBaseline: the paused VMs it starts, and its fingerprint cache', () => {
  let sshd: Sshd;
  let replayed: NonNullable<SelectionInputsInput['hosts']>;
  let cacheDir: string;
  const { fresh, closeAll } = countingPools();
  beforeAll(async () => {
    sshd = await startSshd();
    registerSecret(sshd.privateKey);
    replayed = await replayedBaselineFleet(sshd, 'baselinevms');
    fs.mkdirSync(scratchDir, { recursive: true });
  });
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(scratchDir, 'baseline-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  afterAll(async () => {
    await closeAll();
    await sshd?.stop();
  });

  const inputs = (hosts: NonNullable<SelectionInputsInput['hosts']>, extra: Partial<SelectionInputsInput> = {}) =>
    SelectionInputsSchema.parse({ model: 'auto', machineType: 'pc-q35-4.2', hosts, ...extra });
  /** A report without what differs between two runs of the same answer. */
  const comparable = (r: BaselineReport) => JSON.parse(JSON.stringify(r, (key, v: unknown) => (key === 'probedAt' || key === 'fromCache' ? undefined : v))) as unknown;

  it('cold: a probe and one VM per host for the winner, the answer the search without the cache gives; warm: no QEMU, one connection and one exec per host', async () => {
    const cold = fresh();
    const report = await findBaseline(inputs(replayed), { pool: cold.pool, probe: { cacheDir } });
    recordOutput('probe:baseline-vms', report);
    expect(report).toEqual(expect.objectContaining({ ok: true, decided: true, model: 'SandyBridge-v1' }));
    expect(report.extraFeatures).toEqual(expect.arrayContaining(['avx2', 'bmi1', 'bmi2', 'fma', 'movbe']));
    expect(cold.counter.qemuStarts).toBe(2 * replayed.length);
    expect(cold.counter.facts).toBe(replayed.length);
    expect(cold.pool.opened).toBe(replayed.length);

    const uncached = fresh();
    expect(comparable(await findBaseline(inputs(replayed), { pool: uncached.pool, probe: { cache: 'off' } }))).toEqual(comparable(report));

    const warm = fresh();
    const again = await findBaseline(inputs(replayed), { pool: warm.pool, probe: { cacheDir } });
    expect(warm.counter).toEqual(expect.objectContaining({ qemuStarts: 0, spawns: replayed.length, facts: replayed.length }));
    expect(warm.pool.opened).toBe(replayed.length);
    expect(comparable(again)).toEqual(comparable(report));
    expect(again.verification!.hosts.every((h) => h.fromCache === true)).toBe(true);
  });

  it("the winner's VM stores its verdicts: a later check of the baseline CPU starts no QEMU", async () => {
    const report = await findBaseline(inputs(replayed), { pool: fresh().pool, probe: { cacheDir } });
    const check = fresh();
    const truth = await verifySelection({ ...inputs(replayed), ...report.selection! }, { pool: check.pool, cacheDir });
    expect(truth.ok).toBe(true);
    expect(check.counter.qemuStarts).toBe(0);
    expect(truth.hosts.every((h) => h.fromCache === true)).toBe(true);
  });

  it('a changed host, another question or another fleet is searched again; the answer is stored for each', async () => {
    const first = await findBaseline(inputs(replayed), { pool: fresh().pool, probe: { cacheDir } });
    // intel-b's QEMU binary is replaced (a new mtime): its fingerprint changes, so the fleet's answer no longer stands.
    const binary = replayed[3].qemuBinary!;
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(binary, later, later);
    const changed = fresh();
    expect(comparable(await findBaseline(inputs(replayed), { pool: changed.pool, probe: { cacheDir } }))).toEqual(comparable(first));
    expect(changed.counter.qemuStarts).toBeGreaterThan(0);
    const settled = fresh();
    await findBaseline(inputs(replayed), { pool: settled.pool, probe: { cacheDir } });
    expect(settled.counter.qemuStarts).toBe(0);

    for (const [what, hosts, extra] of [
      ['another question', replayed, { minimumLevel: 'x86-64-v3' }],
      ['another fleet', replayed.slice(2), {}],
    ] as const) {
      const cold = fresh();
      await findBaseline(inputs([...hosts], extra), { pool: cold.pool, probe: { cacheDir } });
      expect([what, cold.counter.qemuStarts > 0]).toEqual([what, true]);
      const warm = fresh();
      await findBaseline(inputs([...hosts], extra), { pool: warm.pool, probe: { cacheDir } });
      expect([what, warm.counter.qemuStarts]).toEqual([what, 0]);
    }
  });

  it('the newest candidate refused on one host: the next is confirmed the same way, one VM per host, and the report says which was rejected', async () => {
    const refusing = { ...replayed[3], name: 'intel-refusing', qemuBinary: refusingToStart(replayed[3].qemuBinary!, 'SandyBridge-v1') };
    const hosts = [...replayed.slice(0, 3), refusing];
    const cold = fresh();
    const report = await findBaseline(inputs(hosts), { pool: cold.pool, probe: { cacheDir } });
    recordOutput('probe:baseline-vms', report);
    expect(report.candidates[0]).toEqual(expect.objectContaining({ model: 'SandyBridge-v1', outcome: 'rejected' }));
    expect(report.candidates[1].outcome).toBe('confirmed');
    expect(report).toEqual(expect.objectContaining({ ok: true, decided: true, model: report.candidates[1].model }));
    expect(report.extraFeatures.length).toBeGreaterThan(0);
    // The probes; the first candidate's VM per host, and the refusing host's VM of that model alone; the next candidate's VM per host.
    expect(cold.counter.qemuStarts).toBe(hosts.length + hosts.length + 1 + hosts.length);
    expect(comparable(await findBaseline(inputs(hosts), { pool: fresh().pool, probe: { cache: 'off' } }))).toEqual(comparable(report));
    const warm = fresh();
    await findBaseline(inputs(hosts), { pool: warm.pool, probe: { cacheDir } });
    expect(warm.counter.qemuStarts).toBe(0);
  });

  it("with --no-cache ('off') nothing is stored: the next run starts its VMs again", async () => {
    await findBaseline(inputs(replayed.slice(2)), { pool: fresh().pool, probe: { cacheDir, cache: 'off' } });
    const next = fresh();
    await findBaseline(inputs(replayed.slice(2)), { pool: next.pool, probe: { cacheDir } });
    expect(next.counter.qemuStarts).toBe(2 * 2);
  });

  it("this machine's real QEMU: at most one VM more than the winner's (a model alone where the vCPU with the extras is refused), the answer the search without the cache gives, and warm none", async () => {
    // Nested KVM here gives a guest no SSE3 (pni); with it disabled a 64-bit model is a candidate (see baseline.integration.test.ts).
    const local = inputs([sshd.connection({ name: 'local-real' })], { machineType: 'q35', accelerator: realAccel, disabledFeatures: ['pni'] });
    const cold = fresh();
    const report = await findBaseline(local, { pool: cold.pool, probe: { cacheDir } });
    recordOutput('probe:baseline-vms', report);
    expect(report.decided).toBe(true);
    expect(cold.counter.qemuStarts).toBeLessThanOrEqual(3);
    expect(cold.counter.facts).toBe(1);
    expect(comparable(await findBaseline(local, { pool: fresh().pool, probe: { cache: 'off' } }))).toEqual(comparable(report));

    const warm = fresh();
    await findBaseline(local, { pool: warm.pool, probe: { cacheDir } });
    expect(warm.counter).toEqual(expect.objectContaining({ qemuStarts: 0, spawns: 1 }));
    expect(warm.pool.opened).toBe(1);
  });
});

/**
 * A QEMU whose KVM refuses to start any vCPU of `model` (with or without
 * extras), as KVM refuses an MSR it cannot set; every other CPU and the
 * probe go to `qemuBinary` unchanged.
 */
function refusingToStart(qemuBinary: string, model: string): string {
  const file = path.join(scratchDir, `qemu-refusing-${model}.sh`);
  const refuse = `echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x1" >&2; exit 1`;
  fs.writeFileSync(file, `#!/bin/sh\ncase " $* " in *" -cpu ${model},"*|*" -cpu ${model} "*) ${refuse};; esac\nexec '${qemuBinary}' "$@"\n`, { mode: 0o755 });
  return file;
}
