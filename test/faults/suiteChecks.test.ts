/**
 * The suite-wide checks global teardown makes (docs/reliability.md,
 * "Suite-wide"), checked against themselves: the secret scan finds a
 * registered secret in every form it looks for, and the leftover check
 * sees a replay QEMU (not only qemu-system) and knows which run started it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { TEST_RUN_ENV, qemuProcesses } from '../../harness/qemuProcesses';
import { needles, recordOutput, registerSecret, removeSink, scanSink } from '../../harness/secretSink';
import { qmpFixturesDir } from '../../harness/paths';
import { processAlive } from '../support/tcpRelay';

describe('the secret scan', () => {
  /** Run `work` as if in another test run, so what it records never reaches this run's sink. */
  function inScratchRun(work: (run: string) => void): void {
    const saved = process.env[TEST_RUN_ENV];
    const run = `scan-selftest-${randomBytes(4).toString('hex')}`;
    process.env[TEST_RUN_ENV] = run;
    try {
      work(run);
    } finally {
      if (saved === undefined) delete process.env[TEST_RUN_ENV];
      else process.env[TEST_RUN_ENV] = saved;
      removeSink(run);
    }
  }

  it('[secret-scan] finds a registered secret raw, inside JSON, in base64, and a key by any of its lines', () => {
    inScratchRun((run) => {
      const password = `pw-${randomBytes(9).toString('hex')}"\\`;
      const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', randomBytes(60).toString('base64'), randomBytes(60).toString('base64'), '-----END OPENSSH PRIVATE KEY-----'].join('\n');
      registerSecret(password);
      registerSecret(key);
      recordOutput('cli:clean', 'nothing to see');
      recordOutput('cli:raw', `error: ${password}`);
      recordOutput('provider:json', { state: { password } });
      recordOutput('plugin:base64', Buffer.from(password).toString('base64'));
      recordOutput('probe:key-line', `...${key.split('\n')[2]}...`);
      recordOutput('probe:error', new Error('wrapped', { cause: new Error(`inner ${password}`) }));
      const scan = scanSink(run);
      expect(scan.outputs).toBe(6);
      expect(scan.secrets).toBe(2);
      expect(scan.bySource).toEqual({ cli: 2, provider: 1, plugin: 1, probe: 2 });
      expect(scan.hits.map((h) => h.source).sort()).toEqual(['cli:raw', 'plugin:base64', 'probe:error', 'probe:key-line', 'provider:json']);
      // The report never quotes more than a few characters of the secret.
      for (const h of scan.hits) expect(password.includes(h.secret.replace(/….*$/, '')) || key.startsWith(h.secret.replace(/….*$/, ''))).toBe(true);
      for (const h of scan.hits) expect(h.secret.replace(/….*$/, '').length).toBeLessThanOrEqual(4);
    });
  });

  it('[secret-scan] refuses secrets short enough to match by chance', () => {
    expect(() => registerSecret('short')).toThrow(/shorter than 8/);
    expect(needles('a-long-enough-secret')).toContain('a-long-enough-secret');
  });
});

describe('the leftover-QEMU check', () => {
  it('[suite-no-leftover-qemu] sees a replay QEMU started by this run, by its run marker, until it is gone', async () => {
    const run = process.env[TEST_RUN_ENV] ?? 'no-run';
    const fake = spawn(process.execPath, [path.join(__dirname, '../support/replayQemu.js'), path.join(qmpFixturesDir, '7.2.0.x86_64.qmp.json'), 'kvm', 'never-greet', '--', '-machine', 'none'], {
      stdio: 'ignore',
      env: { ...process.env, [TEST_RUN_ENV]: run },
    });
    try {
      await new Promise((r) => fake.once('spawn', r));
      const seen = qemuProcesses().find((p) => p.pid === fake.pid);
      expect(seen).toMatchObject({ pid: fake.pid, run });
      expect(seen!.args).toMatch(/replayQemu\.js/);
    } finally {
      fake.kill('SIGKILL');
      await new Promise((r) => fake.once('exit', r));
    }
    expect(processAlive(fake.pid!)).toBe(false);
    expect(qemuProcesses().some((p) => p.pid === fake.pid)).toBe(false);
  });
});
