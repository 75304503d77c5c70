/**
 * Waits a user can see and bound (docs/reliability.md): the real CLI
 * (bin/qemu-cpu.js) in its own process against dead hosts on loopback — a
 * blackholed port, a port that never sends an SSH banner, a refused port —
 * with the defaults, with --connect-timeout and the check file's
 * connectTimeout, and with --host-timeout against a slow host.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { blackhole, refusedPort, silentListener, type Blackhole, type SilentListener } from '../../../test/support/deadPorts';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { recordOutput } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';

interface TimedRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run bin/qemu-cpu.js in its own process; how long it took until it exited. */
function bin(args: string[]): Promise<TimedRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/qemu-cpu.js'), ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      recordOutput('cli:bounded-waits', `${stdout}\n${stderr}`);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 2) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let hole: Blackhole;
let silent: SilentListener;
let refused: number;
let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  [hole, silent, refused, sshd] = await Promise.all([blackhole(), silentListener(), refusedPort(), startSshd()]);
  dir = fs.mkdtempSync(path.join(scratchDir, 'cli-bounds-'));
});

afterAll(async () => {
  await Promise.all([hole?.close(), silent?.close(), sshd?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, body: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, toYaml(body));
  return file;
};
// Dead hosts verify no key: they never get as far as sending one.
const dead = (name: string, port: number) => ({ name, host: '127.0.0.1', port, knownHostsPath: sshd.knownHostsPath, privateKeyPath: sshd.privateKeyPath });

// The text report may name the host twice ("h: h: could not connect"); these tests are about the rest of the line.
describe('dead hosts, as a gate meets them', () => {
  it('[ssh-cli-dead-fleet] defaults: a blackholed, a banner-less and a refused host are all reported within 30 s, each with its stage', async () => {
    const file = write('dead-fleet.yml', { hosts: [dead('blackholed', hole.port), dead('bannerless', silent.port), dead('refused', refused)], model: 'qemu64' });
    const accepted = silent.accepted();
    const run = await bin(['check', '--config', file]);
    recordOutput('cli:bounded-waits:ms', `dead fleet, defaults: ${run.ms} ms`);
    expect(run.code).toBe(2);
    expect(run.ms).toBeLessThan(30_000);
    expect(run.stdout).toMatch(/^ {2}(?:blackholed: )+could not connect to 127\.0\.0\.1:\d+ \(connect\): no TCP connection within 15s \(perDialTimeout\)/m);
    expect(run.stdout).toMatch(/^ {2}(?:bannerless: )+could not connect to 127\.0\.0\.1:\d+ \(ssh-banner\): the port accepted TCP but sent no SSH banner within 15s/m);
    expect(run.stdout).toMatch(/^ {2}(?:refused: )+could not connect to 127\.0\.0\.1:\d+ \(connect\): connection refused\./m);
    // One dial of the banner-less host, no retry.
    expect(silent.accepted() - accepted).toBe(1);
  }, 45_000);

  it('[ssh-cli-connect-timeout] --connect-timeout 2 (probe, check, baseline) and the check file\'s connectTimeout: a dead host in well under 10 s', async () => {
    const probe = await bin(['probe', '127.0.0.1', '-p', String(hole.port), '--connect-timeout', '2']);
    expect(probe.code).toBe(2);
    expect(probe.stderr).toMatch(/^qemu-cpu: 127\.0\.0\.1:\d+: could not connect to 127\.0\.0\.1:\d+ \(connect\): no TCP connection within 2s \(perDialTimeout\)\. The host is down/);
    expect(probe.stderr.trim().split('\n')).toHaveLength(1);

    const fromFile = write('file-timeout.yml', { hosts: [dead('bannerless', silent.port)], model: 'qemu64', connectTimeout: 2 });
    const check = await bin(['check', '--config', fromFile]);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(/\(ssh-banner\): the port accepted TCP but sent no SSH banner within 2s/);

    // The command line wins over the file, and over each host's own perDialTimeout.
    const slowFile = write('slow-timeout.yml', { hosts: [{ ...dead('blackholed', hole.port), perDialTimeout: 60 }], model: 'qemu64', connectTimeout: 30 });
    const overridden = await bin(['check', '--config', slowFile, '--connect-timeout', '2']);
    expect(overridden.code).toBe(2);
    expect(overridden.stdout).toMatch(/\(connect\): no TCP connection within 2s/);
    const baseline = await bin(['baseline', '--config', slowFile, '--connect-timeout', '2', '--format', 'json']);
    expect(baseline.code).toBe(2);
    expect(JSON.parse(baseline.stdout).hosts[0].error).toMatch(/\(connect\): no TCP connection within 2s/);

    for (const run of [probe, check, overridden, baseline]) {
      expect(run.ms).toBeGreaterThanOrEqual(1_900);
      expect(run.ms).toBeLessThan(6_000);
    }
    recordOutput('cli:bounded-waits:ms', `--connect-timeout 2: ${[probe, check, overridden, baseline].map((r) => r.ms).join(', ')} ms`);
  }, 45_000);

  it('rejects bad limits before any host is asked, every problem at once', async () => {
    const bad = await bin(['check', '--config', write('bad-limits.yml', { hosts: [dead('h', refused)], model: 'qemu64', connectTimeout: 0, hostTimeout: 'soon' }), '--connect-timeout', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--connect-timeout must be a whole number of seconds from 1 to 3600 \(got "x"\)/);
    const file = await bin(['check', '--config', write('bad-limits2.yml', { hosts: [{ host: 'a b' }], model: 'qemu64', connectTimeout: 0, hostTimeout: 'soon' })]);
    expect(file.code).toBe(2);
    for (const p of ['connectTimeout', 'hostTimeout', 'hosts.0.host']) expect(file.stderr).toMatch(new RegExp(`^  - ${p}: `, 'm'));
    expect((await bin(['probe', '127.0.0.1', '--host-timeout', '0'])).stderr).toMatch(/--host-timeout must be a whole number of seconds from 1 to 86400/);
  });
});

describe('a slow host', () => {
  it('[fleet-host-timeout] --host-timeout 1: the slow host is undecided, naming the stage it was in, and the gate ends soon after', async () => {
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg', 'slow', 'cli-host-timeout');
    const host = sshd.fileHost('slow', { qemuBinary });
    const file = write('slow.yml', { hosts: [host], model: 'qemu64', accelerator: 'tcg', machineType: 'pc-q35-7.2' });
    const run = await bin(['check', '--config', file, '--host-timeout', '1', '--no-cache']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^ {2}(?:slow: )+gave up after the host time limit of 1 s \((exec|launch|qmp-\w+)\): the host was still answering/m);
    expect(run.ms).toBeLessThan(6_000);
  });
});
