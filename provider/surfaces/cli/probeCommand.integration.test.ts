import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { runCli } from './cliRunner.testkit';
import { itWithKvm, itWithoutKvm, realAccel } from '../../../harness/accel';

const execFileP = promisify(execFile);

describe('qemu-cpu probe', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  itWithoutKvm('[kvm-missing] without /dev/kvm, the installed bin refuses KVM with what to do (exit 2), and gives a TCG answer only when asked', async () => {
    const bin = path.join(repoRoot, 'bin/qemu-cpu.js');
    const refused = await execFileP(process.execPath, [bin, 'probe'], { encoding: 'utf8' }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(refused).toEqual(expect.objectContaining({ code: 2, stdout: '' }));
    expect(refused!.stderr).toMatch(/^qemu-cpu: localhost: KVM is not available \(launch\): \/dev\/kvm does not exist.*accelerator 'tcg' explicitly/);
    const { stdout } = await execFileP(process.execPath, [bin, 'probe', '--accel', 'tcg'], { encoding: 'utf8' });
    expect(stdout).toMatch(/^Host localhost: QEMU 7\.2\.\d+ .* accelerator tcg$/m);
    expect(stdout).toMatch(/^  Host model \(-cpu max\): \d+ features$/m);
  });

  itWithKvm('the installed bin probes this machine and tells the nested-KVM gap in words', async () => {
    const { stdout } = await execFileP(process.execPath, [path.join(repoRoot, 'bin/qemu-cpu.js'), 'probe'], { encoding: 'utf8' });
    expect(stdout).toMatch(/^Host localhost: QEMU 7\.2\.\d+ .* accelerator kvm$/m);
    expect(stdout).toMatch(/^Usable CPU models \(\d+ of \d+ names, aliases included\):$/m);
    expect(stdout).toMatch(/Skylake-Client-v4: .*avx2/);
    if (/^flags\s*:.*\bavx2\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'))) {
      expect(stdout).toMatch(/The host CPU reports \d+ feature\(s\) that no guest on this host can get/);
      expect(stdout).toMatch(/\bavx2\b.*|\n.*\bavx2\b/);
    }
    // Blockers grouped by layer: ht is QEMU's topology, never "KVM does not pass it through".
    expect(stdout).toMatch(/^Why guests lack the features above .*, by layer:$/m);
    expect(stdout).toMatch(/^ {2}topology: set by QEMU from the vCPU topology[^\n]*\n {4}ht$/m);
    expect(stdout).not.toMatch(/KVM does not pass them through/);
  });

  it('--json over SSH gives the whole model with the documented field names', async () => {
    const run = await runCli(['probe', `${sshd.user}@127.0.0.1:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', 'tcg', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const caps = JSON.parse(run.stdout);
    expect(Object.keys(caps).sort()).toEqual(
      ['accelerator', 'arch', 'blockers', 'host', 'hostCpu', 'hostModel', 'kernelRelease', 'kvm', 'machineType', 'machines', 'models', 'notExposable', 'probedAt', 'qemu', 'x86Level'].sort(),
    );
    // The host model's level: whatever TCG's max emulates, it is 64-bit.
    expect(caps.x86Level).toEqual(expect.objectContaining({ level: expect.stringMatching(/^x86-64-v[1-4]$/), missingForNext: expect.any(Array) }));
    expect(caps.accelerator).toBe('tcg');
    expect(caps.hostModel.name).toBe('max');
    expect(caps.models[0]).toEqual(expect.objectContaining({ name: expect.any(String), aliasOf: null, usable: expect.any(Boolean), blockers: expect.any(Array), deprecated: expect.any(Boolean), migrationSafe: expect.any(Boolean) }));
    expect(caps.machines.some((m: { name: string; isDefault: boolean }) => m.isDefault)).toBe(true);
  });

  it(`--model-levels: the x86-64 level each concrete model reaches on the host, under ${realAccel}`, async () => {
    const target = [`${sshd.user}@127.0.0.1:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', realAccel];
    const run = await runCli(['probe', ...target, '--model-levels', '--json']);
    expect(run.code).toBe(0);
    const levels = new Map((JSON.parse(run.stdout).modelLevels as Array<{ model: string; level: string | null; usable: boolean }>).map((m) => [m.model, m]));
    // pentium3 has no long mode (nor SSE2); kvm64 is 64-bit, without SSE4 (and, under this nested KVM, without pni).
    expect(levels.get('pentium3-v1')).toEqual(expect.objectContaining({ level: null, usable: true }));
    expect(levels.get('kvm64-v1')).toEqual(expect.objectContaining({ level: 'x86-64-v1' }));
    expect(levels.has('pentium3')).toBe(false);
    const text = await runCli(['probe', ...target, '--model-levels']);
    expect(text.stdout).toMatch(/^x86-64 level each concrete model reaches on this host \(its definition, less what the host cannot give it; \* not usable as defined\):$/m);
    expect(text.stdout).toMatch(/^ {2}below x86-64-v1 \(not a 64-bit CPU\):$/m);
  });

  it('refuses an unknown host key and says which key, exit 2', async () => {
    const empty = path.join(scratchDir, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const run = await runCli(['probe', `127.0.0.1:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(sshd.hostKeyFingerprint);
    expect(run.stdout).toBe('');
  });

  it('reports every invalid argument at once, exit 2', async () => {
    const run = await runCli(['probe', '--machine', 'q35;reboot', '--accel', 'xen', '--qemu-binary', 'qemu $(id)']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/machineType/);
    expect(run.stderr).toMatch(/accelerator/);
    expect(run.stderr).toMatch(/qemuBinary/);
  });

  it('--help and unknown commands', async () => {
    expect((await runCli(['probe', '--help'])).stdout).toMatch(/^Usage: qemu-cpu probe/);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['probe', '--bogus'])).code).toBe(2);
  });
});
