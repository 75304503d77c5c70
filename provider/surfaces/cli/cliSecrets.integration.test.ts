/**
 * Secrets (docs/reliability.md, "Secrets"): the CLI's runs with a password,
 * an encrypted key and its passphrase — succeeding and failing, in every
 * output format — print none of them. Each run's stdout and stderr go to
 * the suite's secret sink (global teardown scans everything recorded
 * across the suite); each is also checked here, so a leak fails the test
 * that caused it.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { runCli, type CliRun } from './cliRunner.testkit';
import { startSshd, generateKeyPair, type Sshd, type KeyPair } from '../../../harness/sshd';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { needles, recordOutput, registerSecret } from '../../../harness/secretSink';
import { testPassword } from '../../../test/support/testSecrets';
import { repoRoot, scratchDir } from '../../../harness/paths';

let sshd: Sshd;
let stranger: KeyPair;
let dir: string;
let secrets: string[];
let deadPort: number;

beforeAll(async () => {
  [sshd, stranger] = await Promise.all([startSshd({ passwordAuth: true }), generateKeyPair()]);
  registerSecret(stranger.privateKey);
  secrets = [sshd.privateKey, sshd.privateKeyEncrypted, sshd.privateKeyPassphrase, stranger.privateKey, testPassword()];
  dir = fs.mkdtempSync(path.join(scratchDir, 'cli-secrets-'));
  fs.writeFileSync(path.join(dir, 'stranger'), stranger.privateKey, { mode: 0o600 });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  deadPort = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Everything a run printed holds no secret, in any form the sink looks for. */
function expectNoSecret(label: string, text: string): void {
  for (const s of secrets) for (const n of needles(s)) if (text.includes(n)) throw new Error(`${label} printed a secret (${s.length} chars)`);
}

async function cli(label: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = await runCli(args, env);
  recordOutput(`cli:secrets:${label}`, `${run.stdout}\n${run.stderr}`);
  expectNoSecret(label, `${run.stdout}\n${run.stderr}`);
  return run;
}

const target = () => [`${sshd.user}@127.0.0.1`, '-p', String(sshd.port), '--known-hosts', sshd.knownHostsPath];
const tcgReplay = () => ['--accel', 'tcg', '--qemu-binary', replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg')];

describe('qemu-cpu probe with secrets', () => {
  it('[secret-cli-probe] an encrypted key with its passphrase: probes, and prints neither', async () => {
    const run = await cli('probe-encrypted-ok', ['probe', ...target(), '-i', sshd.privateKeyEncryptedPath, ...tcgReplay(), '--json'], {
      QEMU_CPU_SSH_KEY_PASSPHRASE: sshd.privateKeyPassphrase,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ host: `127.0.0.1:${sshd.port}`, accelerator: 'tcg' });
    const text = await cli('probe-encrypted-ok-text', ['probe', ...target(), '-i', sshd.privateKeyEncryptedPath, ...tcgReplay()], {
      QEMU_CPU_SSH_KEY_PASSPHRASE: sshd.privateKeyPassphrase,
    });
    expect(text.code).toBe(0);
  });

  it('[secret-cli-probe] an encrypted key with a wrong passphrase, or none: exit 2, a clear message, no secret', async () => {
    const wrong = await cli('probe-wrong-passphrase', ['probe', ...target(), '-i', sshd.privateKeyEncryptedPath, ...tcgReplay()], {
      QEMU_CPU_SSH_KEY_PASSPHRASE: testPassword(),
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/QEMU_CPU_SSH_KEY_PASSPHRASE does not decrypt privateKeyPath/);
    const none = await cli('probe-no-passphrase', ['probe', ...target(), '-i', sshd.privateKeyEncryptedPath, ...tcgReplay()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/is encrypted/);
  });

  it('[secret-cli-probe] a refused password and a refused key: exit 2, names user and methods, no secret', async () => {
    const run = await cli('probe-auth-failure', ['probe', ...target(), '-i', path.join(dir, 'stranger'), ...tcgReplay()], { QEMU_CPU_SSH_PASSWORD: testPassword() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`the host refused user ${sshd.user} \\(auth\\): tried publickey, password`));
  });

  it('[secret-cli-target] a password written into the target (user:password@host) is refused and never echoed', async () => {
    for (const tail of ['127.0.0.1', '127.0.0.1:x', '127.0.0.1:22']) {
      const run = await cli('probe-password-in-target', ['probe', `root:${testPassword()}@${tail}`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/holds a password.*QEMU_CPU_SSH_PASSWORD/);
    }
  });

  it('[secret-cli-probe] the installed bin, in its own process: exit 2 and nothing secret on stdout or stderr', async () => {
    const run = await new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [path.join(repoRoot, 'bin/qemu-cpu.js'), 'probe', ...target(), '-i', path.join(dir, 'stranger'), ...tcgReplay()],
        { encoding: 'utf8', env: { ...process.env, QEMU_CPU_SSH_PASSWORD: testPassword(), QEMU_CPU_SSH_KEY_PASSPHRASE: sshd.privateKeyPassphrase } },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
    });
    recordOutput('cli:secrets:bin', `${run.stdout}\n${run.stderr}`);
    expectNoSecret('bin', `${run.stdout}\n${run.stderr}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refused user/);
  });
});

describe('qemu-cpu check with secrets in the check file', () => {
  it('[secret-cli-check] inline password, key and passphrase, good and failing hosts, every format: no secret printed', async () => {
    const base = { host: '127.0.0.1', port: sshd.port, user: sshd.user, knownHostsPath: sshd.knownHostsPath, qemuBinary: replayQemuBinary('4.2.0.x86_64.qmp.json') };
    const file = path.join(dir, 'check.yaml');
    fs.writeFileSync(
      file,
      toYaml({
        model: 'Skylake-Client',
        machineType: 'q35',
        hosts: [
          { ...base, name: 'encrypted-key', privateKey: sshd.privateKeyEncrypted, privateKeyPassword: sshd.privateKeyPassphrase },
          { ...base, name: 'wrong-password', password: testPassword() },
          { ...base, name: 'wrong-key', privateKey: stranger.privateKey, password: testPassword() },
          { ...base, name: 'wrong-passphrase', privateKey: sshd.privateKeyEncrypted, privateKeyPassword: testPassword() },
          { ...base, name: 'refused', port: deadPort, password: testPassword(), dialErrorLimit: 1 },
        ],
      }),
    );
    for (const format of ['text', 'json', 'junit', 'github']) {
      const run = await cli(`check-${format}`, ['check', '--config', file, '--format', format]);
      // A bad passphrase is a config error (exit 2 before any host); otherwise hosts that cannot be asked make it undecided (2).
      expect(run.code).toBe(2);
      expect(`${run.stdout}${run.stderr}`).toMatch(/wrong-passphrase|privateKeyPassword/);
    }
    // Without the config error, the run reaches every host and reports each.
    const reachable = path.join(dir, 'check-hosts.yaml');
    fs.writeFileSync(
      reachable,
      toYaml({
        model: 'Skylake-Client',
        machineType: 'q35',
        hosts: [
          { ...base, name: 'encrypted-key', privateKey: sshd.privateKeyEncrypted, privateKeyPassword: sshd.privateKeyPassphrase },
          { ...base, name: 'wrong-password', password: testPassword() },
          { ...base, name: 'wrong-key', privateKey: stranger.privateKey, password: testPassword() },
          { ...base, name: 'refused', port: deadPort, password: testPassword(), dialErrorLimit: 1 },
        ],
      }),
    );
    for (const format of ['text', 'json', 'junit', 'github']) {
      const run = await cli(`check-hosts-${format}`, ['check', '--config', reachable, '--format', format]);
      expect(run.code).toBe(2);
      // GitHub annotations name only the hosts with a problem.
      for (const name of ['wrong-password', 'wrong-key', 'refused', ...(format === 'github' ? [] : ['encrypted-key'])]) expect(run.stdout).toContain(name);
    }
  });
});
