/**
 * The qemu-cpu command for an arm64 host: real qemu-system-aarch64 under TCG
 * as the host's qemuBinary, over the loopback sshd. probe's summary, check's
 * table and exit codes, baseline's YAML pasted into a check file, and a
 * mixed x86 + arm fleet refused with its reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { scratchDir } from '../../../harness/paths';
import { recordOutput } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { runCli } from './cliRunner.testkit';

const AARCH64 = '/usr/bin/qemu-system-aarch64';

describe('qemu-cpu for an arm64 host (qemu-system-aarch64 under TCG)', () => {
  let sshd: Sshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(scratchDir, 'cli-arm-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const arm = (name: string) => sshd.fileHost(name, { qemuBinary: AARCH64 });
  const write = (name: string, body: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, toYaml(body));
    return file;
  };
  const run = async (argv: string[]) => {
    const r = await runCli(argv);
    recordOutput('cli', `${r.stdout}\n${r.stderr}`);
    return r;
  };

  it('probe: the arm summary names the guest architecture, the host model with its SVE lengths, and the models QEMU does not report on', async () => {
    const r = await run(['probe', '--accel', 'tcg', '--qemu-binary', AARCH64, '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Host localhost: QEMU 7\.2\.\d+ .* at \/usr\/bin\/qemu-system-aarch64, aarch64, accelerator tcg$/m);
    expect(r.stdout).toMatch(/^ {2}Host model \(-cpu max\): aarch64, pauth, pmu, sve, .*sve2048/m);
    expect(r.stdout).toMatch(/^Usable CPU models \(1 of \d+ names, aliases included\):\n {2}max$/m);
    expect(r.stdout).toMatch(/^Not reported by QEMU \(\d+ models\): QEMU does not report which arm models/m);
    expect(r.stdout).not.toMatch(/x86-64-v/);
  });

  it('check and baseline: the baseline YAML pasted into a check file passes (exit 0); aarch64=off is refused by QEMU (exit 1)', async () => {
    const fleet = [arm('arm-a'), arm('arm-b')];
    const baseline = await run(['baseline', '--config', write('fleet.yml', { hosts: fleet, accelerator: 'tcg' })]);
    expect(baseline.stderr).toBe('');
    expect(baseline.code).toBe(0);
    const pasted = parseYaml(baseline.stdout);
    expect(pasted).toMatchObject({ model: 'max', machineType: 'virt', accelerator: 'tcg' });
    expect(baseline.stdout).toMatch(/^# qemuCpuArg: max,sve=on,sve128=on,/m);
    expect(baseline.stdout).toMatch(/^# The host model max, with the \d+ properties every host gives on and the 0 only some give off/m);
    // The x86-64 levels are x86's: nothing of them for an arm fleet.
    expect(baseline.stdout).not.toMatch(/x86-64/);
    const ok = await run(['check', '--config', write('check.yml', { hosts: fleet, ...pasted })]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}machine type virt-7\.2, accelerator tcg, 2 host\(s\)$/m);
    expect(ok.stdout).not.toMatch(/x86-64/);
    const refused = await run(['check', '--config', write('no-a64.yml', { hosts: fleet, model: 'max', disabledFeatures: ['aarch64'], accelerator: 'tcg' })]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/'aarch64' feature cannot be disabled/);
  });

  it('a mixed fleet: check exits 1 with the mixed-architecture reason, baseline exits 2 and says why', async () => {
    const hosts = [sshd.fileHost('x86-a', {}), arm('arm-a')];
    const check = await run(['check', '--config', write('mixed.yml', { hosts, model: 'max', accelerator: 'tcg' }), '--format', 'json']);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).unmet).toEqual([expect.objectContaining({ kind: 'mixed-architecture' })]);
    const text = await run(['check', '--config', write('mixed2.yml', { hosts, model: 'max', accelerator: 'tcg' })]);
    expect(text.stdout).toMatch(/x86_64 \(x86-a\) and aarch64 \(arm-a\): no guest CPU runs on both/);
    const baseline = await run(['baseline', '--config', write('mixed-fleet.yml', { hosts, accelerator: 'tcg' })]);
    expect(baseline.code).toBe(2);
    expect(baseline.stderr).toMatch(/a baseline needs hosts of one architecture/);
    expect(baseline.stdout).toBe('');
  });
});
