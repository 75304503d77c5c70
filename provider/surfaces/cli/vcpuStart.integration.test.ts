/**
 * "Usable" means a VM starts. A host whose KVM rejects the vCPU of host and
 * max (QEMU aborts creating it: "failed to set MSR ..., Assertion failed"),
 * over the real loopback sshd with real QEMU: `check` says "cannot" with
 * QEMU's own line (exit 1, never "undecided"), and `probe` marks the two
 * models query-cpu-definitions calls usable as failing to start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { scratchDir } from '../../../harness/paths';
import { recordOutput } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { itWithKvm, kvmUsable } from '../../../harness/accel';
import { secondQemu } from '../../../test/support/secondQemu';
import { kvmRejectsThatVcpu, pausedVmStart, SYSTEM_QEMU, vcpuRejectingQemu } from '../../../test/support/vcpuRejectingQemu';
import { runCli } from './cliRunner.testkit';
import type { HostCapabilities, HostVerdict } from '../../model';

const binary = vcpuRejectingQemu();
const rejects = kvmUsable && kvmRejectsThatVcpu(binary);
const itWhereRejected = (name: string, fn: () => Promise<void>) =>
  (rejects ? it : it.skip)(`${name}${rejects ? '' : ' (skipped: KVM here starts that vCPU, or there is no KVM)'}`, fn);

describe('[qemu-vcpu-abort] a host whose KVM will not start the vCPU of host and max', () => {
  let sshd: Sshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(scratchDir, 'cli-vcpu-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const checkFile = (model: string, qemuBinary = binary) => {
    const file = path.join(dir, `${model}-${path.basename(path.dirname(qemuBinary))}-${path.basename(qemuBinary)}.yml`);
    const host = sshd.fileHost('kvm-x', { qemuBinary });
    fs.writeFileSync(file, toYaml({ hosts: [host], model, machineType: 'q35', accelerator: 'kvm' }));
    return file;
  };

  for (const model of ['host', 'max']) {
    itWhereRejected(`check of ${model} is "cannot" with QEMU's line, in every format: exit 1, not 2`, async () => {
      const file = checkFile(model);
      const json = await runCli(['check', '--config', file, '--format', 'json', '--no-cache']);
      recordOutput('cli', `${json.stdout}\n${json.stderr}`);
      expect(json.code).toBe(1);
      const [verdict] = (JSON.parse(json.stdout) as { hosts: HostVerdict[] }).hosts;
      expect(verdict).toMatchObject({ enforceable: false, refusal: { kind: 'vcpu-start', name: model } });
      expect(verdict.refusal?.qemuStderr).toMatch(/failed to set MSR 0x[0-9a-f]+ .*Assertion .* failed/);
      expect(verdict.error).toMatch(/could not start a vCPU with CPU /);

      const text = await runCli(['check', '--config', file]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/kvm-x\s+CANNOT ENFORCE/);
      expect(text.stdout).toMatch(/kvm-x: .*failed to set MSR/);
      expect(text.stdout).toMatch(/^FAIL: /m);
      const junit = await runCli(['check', '--config', file, '--format', 'junit']);
      expect(junit.stdout).toMatch(/<failure type="NotEnforceable"/);
      expect(junit.stdout).not.toMatch(/<error /);
      const github = await runCli(['check', '--config', file, '--format', 'github']);
      expect(github.code).toBe(1);
      expect(github.stdout).toMatch(/::error .*failed to set MSR/);
    });
  }

  // This machine's own QEMUs, unmodified: whatever a paused VM of host or max does here, check says the same, never "could not decide".
  for (const [version, qemu] of [['7.2', SYSTEM_QEMU], ['10.0', secondQemu]] as const) {
    for (const model of ['host', 'max']) {
      const name = `check of ${model} on this machine's QEMU ${version} agrees with a paused VM of it: can when it starts, cannot with QEMU's line when it aborts`;
      if (!qemu) it.skip(`${name} (skipped: QEMU 10.0 could not be unpacked here)`, () => undefined);
      else itWithKvm(name, async () => {
        const direct = pausedVmStart(qemu, model);
        const file = checkFile(model, qemu);
        const run = await runCli(['check', '--config', file, '--format', 'json', '--no-cache']);
        recordOutput('cli', `${run.stdout}\n${run.stderr}`);
        const [verdict] = (JSON.parse(run.stdout) as { hosts: HostVerdict[] }).hosts;
        expect(verdict.enforceable).not.toBeNull();
        if (direct.starts) {
          expect(verdict.refusal).toBeUndefined();
          expect(run.code).toBe(verdict.enforceable ? 0 : 1);
        } else {
          expect(run.code).toBe(1);
          expect(verdict.refusal?.kind).toBe('vcpu-start');
          expect(verdict.refusal?.qemuStderr).toContain(direct.stderr.split('\n').find((l) => /failed to set MSR|kvm_init_vcpu|vPMU: /.test(l)) ?? '(no vCPU error line)');
        }
      });
    }
  }

  itWithKvm("probe's start check of host and max on this machine's QEMU 7.2 agrees with a paused VM of each started directly", async () => {
    const run = await runCli(['probe', `${sshd.user}@${sshd.host}`, '-p', String(sshd.port), '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--json', '--no-cache']);
    recordOutput('cli', `${run.stdout}\n${run.stderr}`);
    const caps = JSON.parse(run.stdout) as HostCapabilities;
    for (const model of ['host', 'max']) {
      const direct = pausedVmStart(SYSTEM_QEMU, model);
      const m = caps.models.find((x) => x.name === model)!;
      // Under KVM max is host: host's VM answers both (x86_64 profile, startCheckedAs), and agrees with max's own.
      expect(m.vcpuStart).toMatchObject({ machineType: 'q35', cpu: 'host', starts: direct.starts });
      if (!direct.starts) expect(m.usable).toBe(false);
    }
  });

  itWhereRejected('probe marks host and max, which QEMU lists as usable, as failing to start; the mark is cached with the answer', async () => {
    const target = ['probe', `${sshd.user}@${sshd.host}`, '-p', String(sshd.port), '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--qemu-binary', binary];
    const json = await runCli([...target, '--json', '--no-cache']);
    recordOutput('cli', `${json.stdout}\n${json.stderr}`);
    expect(json.code).toBe(0);
    const caps = JSON.parse(json.stdout) as HostCapabilities;
    for (const name of ['host', 'max']) {
      const m = caps.models.find((x) => x.name === name)!;
      expect(m.usable).toBe(false);
      expect(m.vcpuStart).toMatchObject({ machineType: 'q35', starts: false, qemuStderr: expect.stringMatching(/failed to set MSR/) });
    }
    expect(caps.models.find((x) => x.name === 'pentium3-v1')?.usable).toBe(true);

    const text = await runCli(target);
    // In QEMU's order (max first), max's line says host's VM answered it.
    expect(text.stdout).toMatch(/Listed usable by QEMU, but a VM with them does not start here[^\n]*\n {2}max \(host's VM, the same vCPU\): [^\n]*failed to set MSR[^\n]*\n {2}host: [^\n]*failed to set MSR/);
    expect(text.stdout).not.toMatch(/^Usable CPU models[^\n]*\n[^\n]*\b(host|max)\b/m);
    const again = JSON.parse((await runCli([...target, '--json'])).stdout) as HostCapabilities;
    expect(again.fromCache).toBe(true);
    expect(again.models.find((x) => x.name === 'host')?.vcpuStart?.starts).toBe(false);
  });
});
