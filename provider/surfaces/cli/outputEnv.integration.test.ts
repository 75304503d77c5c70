/**
 * Output and environment (docs/reliability.md, "The CLI's output and
 * environment"): the real CLI (bin/qemu-cpu.js) in its own process against
 * a loopback sshd, with stdout a closed pipe or /dev/full, and with an
 * empty HOME in a working directory that holds a .ssh/known_hosts.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { fleetQemuBinary } from '../../../test/support/modelExpansions';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { recordOutput } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';

const BIN = path.join(repoRoot, 'bin/qemu-cpu.js');

interface BinRun {
  code: number | null;
  stderr: string;
}

/**
 * Run bin/qemu-cpu.js with stdout as given: 'closed' (a pipe whose read end is
 * closed at once) or 'full' (/dev/full).
 */
function runBin(args: string[], stdout: 'closed' | 'full', options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<BinRun> {
  const full = stdout === 'full' ? fs.openSync('/dev/full', 'w') : undefined;
  const stdio: StdioOptions = ['ignore', full ?? 'pipe', 'pipe'];
  const child = spawn(process.execPath, [BIN, ...args], { stdio, env: options.env ?? process.env, cwd: options.cwd });
  if (full !== undefined) fs.closeSync(full);
  // Nobody reads: every write the CLI makes to stdout meets EPIPE.
  child.stdout?.destroy();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      recordOutput('cli:output-env', stderr);
      resolve({ code, stderr });
    });
  });
}

let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = fs.mkdtempSync(path.join(scratchDir, 'cli-output-env-'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a stdout that fails keeps the verdict', () => {
  let passes: string;
  let refuses: string;

  beforeAll(async () => {
    const host = sshd.fileHost('intel');
    const qemuBinary = await fleetQemuBinary('4.2.0.x86_64.qmp.json', 'outenv');
    passes = path.join(dir, 'passes.yml');
    refuses = path.join(dir, 'refuses.yml');
    fs.writeFileSync(passes, toYaml({ hosts: [{ ...host, qemuBinary }], model: 'Westmere-v1', requiredFeatures: ['aes'], machineType: 'pc-q35-4.2' }));
    fs.writeFileSync(refuses, toYaml({ hosts: [{ ...host, qemuBinary }], model: 'EPYC', machineType: 'pc-q35-4.2' }));
  });

  const expectOneLine = (run: BinRun, why: RegExp) => {
    expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(run.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^qemu-cpu: could not write the output to stdout \\(${why.source}\\); the exit code still gives the result\\n$`));
  };

  it('[cli-stdout-closed] `qemu-cpu check | true`: exit 0 or 1 as the verdict says, one line on stderr, no stack trace', async () => {
    for (const format of ['text', 'json', 'junit']) {
      const ok = await runBin(['check', '--config', passes, '--format', format], 'closed');
      expect(ok.code).toBe(0);
      expectOneLine(ok, /the reader closed the pipe/);
    }
    const no = await runBin(['check', '--config', refuses], 'closed');
    expect(no.code).toBe(1);
    expectOneLine(no, /the reader closed the pipe/);
  });

  it('[cli-stdout-full] stdout to /dev/full: the verdict exit code of check and probe, one line on stderr', async () => {
    const ok = await runBin(['check', '--config', passes], 'full');
    expect(ok.code).toBe(0);
    expectOneLine(ok, /no space left on the device/);
    const no = await runBin(['check', '--config', refuses, '--format', 'github'], 'full');
    expect(no.code).toBe(1);
    expectOneLine(no, /no space left on the device/);
    const probe = await runBin(
      [
        'probe',
        `${sshd.user}@127.0.0.1`,
        '-p',
        String(sshd.port),
        '-i',
        sshd.privateKeyPath,
        '--known-hosts',
        sshd.knownHostsPath,
        '--accel',
        'tcg',
        '--qemu-binary',
        replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg'),
      ],
      'full',
    );
    expect(probe.code).toBe(0);
    expectOneLine(probe, /no space left on the device/);
  });
});

describe('an empty HOME is no HOME', () => {
  const writable = (dir: string) => {
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  /** Files under a directory, recursively, as relative paths. */
  const filesUnder = (root: string): string[] =>
    fs.existsSync(root) ? (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name))) : [];

  it("[cli-home-empty] HOME='' in a directory with .ssh/known_hosts: that file vouches for nothing, and no ./.cache is written", async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
    fs.mkdirSync(path.join(cwd, '.ssh'));
    // A known_hosts that would vouch for the test sshd, were the working directory taken for home.
    fs.copyFileSync(sshd.knownHostsPath, path.join(cwd, '.ssh', 'known_hosts'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: '', XDG_CACHE_HOME: '' };
    const replay = ['--accel', 'tcg', '--qemu-binary', replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg')];
    const target = [`${sshd.user}@127.0.0.1`, '-p', String(sshd.port), '-i', sshd.privateKeyPath];
    const account = os.userInfo().homedir;

    const unknown = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'probe', ...target, ...replay], { cwd, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    recordOutput('cli:output-env', unknown.stderr);
    expect(unknown.code).toBe(2);
    // Verified against the account's own known_hosts (from the password database), which does not know this sshd.
    expect(unknown.stderr).toMatch(/\(host-key\)/);
    expect(unknown.stderr).toContain(path.join(account, '.ssh', 'known_hosts'));
    expect(unknown.stderr).not.toMatch(/(^|[\s,(])\.ssh\/known_hosts/);

    // With the known_hosts named, the probe succeeds; its cache entry goes to the account's ~/.cache, not ./.cache.
    const cacheDir = path.join(account, '.cache', 'qemu-cpu');
    const before = new Set(filesUnder(cacheDir));
    try {
      const known = await runBin(['probe', ...target, '--known-hosts', path.join(cwd, '.ssh', 'known_hosts'), ...replay], 'closed', { cwd, env });
      expect(known.code).toBe(0);
      expect(fs.existsSync(path.join(cwd, '.cache'))).toBe(false);
      // Where the account's home can be written (not so for a /nonexistent home in some CI containers), the entry is there.
      if (writable(account)) expect(filesUnder(cacheDir).filter((f) => !before.has(f)).length).toBeGreaterThan(0);
    } finally {
      // Leave the account's cache as it was.
      for (const f of filesUnder(cacheDir)) if (!before.has(f)) fs.rmSync(path.join(cacheDir, f), { force: true });
    }
  });
});
