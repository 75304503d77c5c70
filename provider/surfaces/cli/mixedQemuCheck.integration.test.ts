/**
 * `qemu-cpu check` of a real mixed-version fleet over the loopback sshd:
 * this machine's QEMU 7.2 and QEMU 10.0 (unpacked beside it) as a second
 * host's qemuBinary. A model only 10.0 knows is a definite "no" on the 7.2
 * host (exit 1, QEMU's own words), never "could not decide" (exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { scratchDir } from '../../../harness/paths';
import { recordOutput } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { realAccel } from '../../../harness/accel';
import { itWithSecondQemu } from '../../../test/support/secondQemu';
import { runCli } from './cliRunner.testkit';
import type { HostVerdict } from '../../model';

describe('qemu-cpu check: QEMU 7.2 and 10.0 in one fleet', () => {
  let sshd: Sshd;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(scratchDir, 'cli-mixed-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const entry = (name: string, extra: Record<string, unknown> = {}) => sshd.fileHost(name, extra);

  itWithSecondQemu('a model unknown to the 7.2 host is "cannot" there: exit 1, with QEMU\'s reason', async (qemu10) => {
    const file = path.join(dir, 'check.yml');
    fs.writeFileSync(file, toYaml({ hosts: [entry('qemu-7.2'), entry('qemu-10.0', { qemuBinary: qemu10 })], model: 'EPYC-Genoa', accelerator: realAccel }));
    const run = await runCli(['check', '--config', file, '--format', 'json', '--no-cache']);
    recordOutput('cli', `${run.stdout}\n${run.stderr}`);
    expect(run.code).toBe(1);
    const hosts = (JSON.parse(run.stdout) as { hosts: HostVerdict[] }).hosts;
    const old = hosts.find((h) => h.name === 'qemu-7.2')!;
    expect(old).toMatchObject({ outcome: 'cannot', stage: 'launch', kind: 'unknown-model', enforceable: false, refusal: { kind: 'unknown-model', name: 'EPYC-Genoa' } });
    expect(old.qemuStderr).toContain("unable to find CPU model 'EPYC-Genoa'");
    expect(old.refusal?.qemuStderr).toContain("unable to find CPU model 'EPYC-Genoa'");
    // 10.0 knows the model: whatever it answers, it is an answer (true, or false with the features it lacks).
    const fresh = hosts.find((h) => h.name === 'qemu-10.0')!;
    expect(fresh.refusal).toBeUndefined();
    expect(fresh.qemuVersion).toBe('10.0.2');
    expect(typeof fresh.enforceable).toBe('boolean');

    const text = await runCli(['check', '--config', file]);
    recordOutput('cli', `${text.stdout}\n${text.stderr}`);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/qemu-7\.2\s+CANNOT ENFORCE/);
  });

  itWithSecondQemu('a feature unknown to the 7.2 host (succor) is "cannot" there: exit 1, with QEMU\'s reason', async (qemu10) => {
    const file = path.join(dir, 'succor.yml');
    fs.writeFileSync(file, toYaml({ hosts: [entry('qemu-7.2'), entry('qemu-10.0', { qemuBinary: qemu10 })], model: 'pentium3', requiredFeatures: ['succor'], accelerator: realAccel }));
    const run = await runCli(['check', '--config', file, '--format', 'json', '--no-cache']);
    recordOutput('cli', `${run.stdout}\n${run.stderr}`);
    expect(run.code).toBe(1);
    const hosts = (JSON.parse(run.stdout) as { hosts: HostVerdict[] }).hosts;
    const old = hosts.find((h) => h.name === 'qemu-7.2')!;
    expect(old).toMatchObject({ outcome: 'cannot', kind: 'unknown-feature', enforceable: false, missingFeatures: ['succor'], refusal: { kind: 'unknown-feature', name: 'succor' } });
    expect(old.refusal?.qemuStderr).toContain("Property 'pentium3-x86_64-cpu.succor' not found");
    // 10.0 knows succor: its answer is about the host (it lacks the feature here), not about the name.
    const fresh = hosts.find((h) => h.name === 'qemu-10.0')!;
    expect(fresh.refusal).toBeUndefined();
    expect(fresh.qemuVersion).toBe('10.0.2');
  });

  itWithSecondQemu('a machine type unknown to the 10.0 host (pc-i440fx-2.0) is "cannot" there: exit 1, with QEMU\'s reason', async (qemu10) => {
    const file = path.join(dir, 'old-machine.yml');
    fs.writeFileSync(file, toYaml({ hosts: [entry('qemu-7.2'), entry('qemu-10.0', { qemuBinary: qemu10 })], model: 'pentium3', machineType: 'pc-i440fx-2.0', accelerator: realAccel }));
    const run = await runCli(['check', '--config', file, '--format', 'json', '--no-cache']);
    recordOutput('cli', `${run.stdout}\n${run.stderr}`);
    const hosts = (JSON.parse(run.stdout) as { hosts: HostVerdict[] }).hosts;
    const fresh = hosts.find((h) => h.name === 'qemu-10.0')!;
    expect(fresh).toMatchObject({ outcome: 'cannot', kind: 'unknown-machine-type', enforceable: false, refusal: { kind: 'unknown-machine-type', name: 'pc-i440fx-2.0' } });
    expect(fresh.refusal?.qemuStderr).toContain('unsupported machine type');
    expect(hosts.find((h) => h.name === 'qemu-7.2')).toMatchObject({ enforceable: true });
    expect(run.code).toBe(1);
    const text = await runCli(['check', '--config', file, '--no-cache']);
    recordOutput('cli', `${text.stdout}\n${text.stderr}`);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/qemu-10\.0\s+CANNOT ENFORCE/);
    expect(text.stdout).toContain('qemu-10.0: QEMU on this host does not know machine type pc-i440fx-2.0');
  });
});
