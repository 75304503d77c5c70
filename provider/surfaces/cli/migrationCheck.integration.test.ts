/**
 * `qemu-cpu check` on live migration, against the real thing: QEMU 7.2 and
 * QEMU 10.0 (unpacked beside it) as two hosts over the loopback sshd, whose
 * `q35` resolves to pc-q35-7.2 and pc-q35-10.0. What check predicts is then
 * tried with a real live migration between two local QEMU processes
 * (`-incoming unix:...`, `migrate` over QMP): the pair it warns about fails,
 * the pair it calls migratable completes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { kvmSkipNote, kvmUsable } from '../../../harness/accel';
import { liveMigrate } from '../../../test/support/liveMigration';
import { scratchDir } from '../../../harness/paths';
import { recordOutput } from '../../../harness/secretSink';
import { secondQemu } from '../../../test/support/secondQemu';
import { startSshd, type Sshd } from '../../../harness/sshd';
import type { SelectionReport } from '../../probe';
import { runCli } from './cliRunner.testkit';

const SYSTEM_QEMU = '/usr/bin/qemu-system-x86_64';
/** A 64-bit CPU both QEMUs can give a guest here (nested KVM withholds pni from every 64-bit model). */
const CPU = { model: 'kvm64-v1', disabledFeatures: ['pni'] };

const runnable = kvmUsable && secondQemu !== undefined;
const why = !kvmUsable ? kvmSkipNote : ' (skipped: QEMU 10.0 could not be unpacked here)';
(runnable ? describe : describe.skip)(`live migration: check's verdict, then a real migration between QEMU 7.2 and 10.0${runnable ? '' : why}`, () => {
  let sshd: Sshd;
  let dir: string;
  const qemu10 = secondQemu!;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(scratchDir, 'cli-migrate-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const entry = (name: string, extra: Record<string, unknown> = {}) => sshd.fileHost(name, extra);
  const fleet = () => [entry('qemu-7.2'), entry('qemu-10.0', { qemuBinary: qemu10 })];
  const check = async (file: string, ...args: string[]) => {
    const run = await runCli(['check', '--config', file, '--no-cache', ...args]);
    recordOutput('cli', `${run.stdout}\n${run.stderr}`);
    return run;
  };
  /** A real migration of the report's CPU between two local QEMU processes: [binary, machine type] each. */
  const migrate = async (report: SelectionReport, [fromBinary, fromMachine]: [string, string], [toBinary, toMachine]: [string, string]) => {
    const cpu = report.qemuCpuArg;
    const outcome = await liveMigrate({ binary: fromBinary, machineType: fromMachine, cpu }, { binary: toBinary, machineType: toMachine, cpu });
    recordOutput('migrate', outcome);
    return outcome;
  };
  const write = (name: string, body: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, toYaml(body));
    return file;
  };

  it('[fleet-migration-machine-types] q35 resolving to pc-q35-7.2 and pc-q35-10.0: a warning naming both hosts, exit 1 with --require-migratable, and the real migration fails as predicted', async () => {
    const file = write('q35.yml', { hosts: fleet(), ...CPU, machineType: 'q35' });
    const text = await check(file);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}WARNING: live migration between qemu-7\.2, qemu-10\.0: the machine type resolves differently: pc-q35-7\.2 on qemu-7\.2; pc-q35-10\.0 on qemu-10\.0; /m);
    const json = await check(file, '--format', 'json');
    const report = JSON.parse(json.stdout) as SelectionReport;
    expect(report.ok).toBe(true);
    expect(report.hosts.map((h) => [h.name, h.machineType])).toEqual([['qemu-7.2', 'pc-q35-7.2'], ['qemu-10.0', 'pc-q35-10.0']]);
    expect(report.migration.migratable).toBe(false);
    expect(report.migration.warnings.map((w) => w.kind)).toContain('machine-types');

    const required = await check(file, '--require-migratable', '--format', 'json');
    expect(required.code).toBe(1);
    const refused = JSON.parse(required.stdout) as SelectionReport;
    expect(refused.ok).toBe(false);
    expect(refused.hosts.every((h) => h.enforceable === true)).toBe(true);
    expect(refused.unmet).toEqual([{ kind: 'require-migratable', reason: expect.stringMatching(/^a guest could not live-migrate between the hosts: the machine type resolves differently: pc-q35-7\.2 on qemu-7\.2; pc-q35-10\.0 on qemu-10\.0; /) }]);
    const github = await check(file, '--require-migratable', '--format', 'github');
    expect(github.code).toBe(1);
    expect(github.stdout).toMatch(/^::error file=.*,title=qemu-cpu%3A require-migratable::a guest could not live-migrate/m);

    // What check predicted: a guest started on the 10.0 host (pc-q35-10.0) cannot move to the 7.2 host.
    const outcome = await migrate(report, [qemu10, 'pc-q35-10.0'], [SYSTEM_QEMU, 'pc-q35-7.2']);
    expect(outcome.status).toBe('failed');
    expect(outcome.destinationStderr).toContain("Machine type received is 'pc-q35-10.0' and local is 'pc-q35-7.2'");
  }, 120_000);

  it('one versioned machine type on both QEMUs: migratable, exit 0 with --require-migratable, and the real migration completes both ways', async () => {
    const file = write('pinned.yml', { hosts: fleet(), ...CPU, machineType: 'pc-q35-7.2' });
    const run = await check(file, '--require-migratable', '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as SelectionReport;
    expect(report.hosts.map((h) => [h.name, h.machineType])).toEqual([['qemu-7.2', 'pc-q35-7.2'], ['qemu-10.0', 'pc-q35-7.2']]);
    expect(report.migration).toEqual({ migratable: true, warnings: [] });
    const text = await check(file);
    expect(text.stdout).toMatch(/^ {2}live migration: nothing found that would block it between these hosts$/m);

    const old: [string, string] = [SYSTEM_QEMU, 'pc-q35-7.2'];
    const fresh: [string, string] = [qemu10, 'pc-q35-7.2'];
    for (const [from, to] of [[old, fresh], [fresh, old]]) {
      const outcome = await migrate(report, from, to);
      expect(outcome).toEqual(expect.objectContaining({ status: 'completed', sourceError: null }));
      expect(outcome.destinationStatus).not.toBeNull();
    }
  }, 120_000);

  it('[fleet-migration-invtsc] a CPU with invtsc: a warning even for one host, exit 1 with --require-migratable, and QEMU blocks the real migration', async () => {
    const file = write('invtsc.yml', { hosts: [entry('qemu-7.2')], ...CPU, requiredFeatures: ['invtsc'], machineType: 'pc-q35-7.2' });
    const json = await check(file, '--format', 'json');
    const report = JSON.parse(json.stdout) as SelectionReport;
    // Whether this host can give invtsc at all is the ground truth's to say; the migration verdict holds either way.
    expect(report.migration.migratable).toBe(false);
    expect(report.migration.warnings).toContainEqual(expect.objectContaining({ kind: 'non-migratable-feature', hosts: ['qemu-7.2'], reason: expect.stringMatching(/^the CPU has invtsc: /) }));
    const required = await check(file, '--require-migratable');
    expect(required.code).toBe(1);
    expect(required.stdout).toMatch(/^ {2}NOT MIGRATABLE: live migration between qemu-7\.2: the CPU has invtsc: /m);
    if (report.ok) {
      const outcome = await migrate(report, [SYSTEM_QEMU, 'pc-q35-7.2'], [SYSTEM_QEMU, 'pc-q35-7.2']);
      expect(outcome.status).toBe('refused');
      expect(outcome.sourceError).toBe('State blocked by non-migratable CPU device (invtsc flag)');
    }
  }, 120_000);
});
