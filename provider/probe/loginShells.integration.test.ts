/**
 * Real login shells behind one real sshd: throwaway users (useradd) whose
 * shell is sh (dash), bash, zsh, fish or tcsh, with startup files that print
 * on stdout as real hosts' do; a ForceCommand wrapper that does not exec; a
 * qemuBinary wrapper that forks QEMU and exits; and accounts that refuse
 * commands (nologin, /bin/false, a refusing ForceCommand). The real CLI
 * (bin/qemu-cpu.js) is killed mid-probe and mid-check, and nothing of the
 * launch may be left on the host. Needs root (useradd); TCG throughout.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoginShellError, QemuLaunchError, QmpProtocolError, type QemuCpuError } from '../errors';
import { SshTransport } from '../transport';
import { startSshd, type Sshd } from '../../harness/sshd';
import { runToEnd } from '../../test/support/sshdOutput';
import { repoRoot } from '../../harness/paths';
import { recordOutput } from '../../harness/secretSink';
import { createUsers, pollFor, processesCarrying, processesOf, removeUsers, type ThrowawayUser, type ThrowawayUserSpec, type UserProcess } from '../../test/support/throwawayUsers';
import { probeHost } from './probeHost';

const QEMU = '/usr/bin/qemu-system-x86_64';
const which = (shell: string) => ['/usr/bin', '/bin'].map((d) => path.join(d, shell)).find((p) => fs.existsSync(p));
const missing = ['zsh', 'fish', 'tcsh', 'dash', 'nologin'].filter((s) => !which(s) && !fs.existsSync(`/usr/sbin/${s}`));
const skipWhy =
  process.getuid?.() !== 0 ? 'needs root for useradd' : !fs.existsSync(QEMU) ? `needs ${QEMU}` : missing.length ? `needs ${missing.join(', ')} (scripts/ensure-host-packages.sh)` : '';
const describeShells = skipWhy ? describe.skip : describe;

/** What each account's startup files print on stdout before any command: real hosts' motds and greetings. */
const HELLO = 'says hello on stdout';

let dir: string;
let sshd: Sshd;
/** root's own sshd: its ForceCommand does not exec, and root's startup files stay unread (SHLVL=1). */
let rootSshd: Sshd;
let users: Record<string, ThrowawayUser> = {};
let forkWrapper: string;

/** The accounts a probe must work through, and those that must be named as the cause. */
const WORKING = ['qcsdash', 'qcsbash', 'qcszsh', 'qcsfish', 'qcstcsh', 'qcsforce', 'qcsfork'] as const;
const ALL_NAMES = [...WORKING, 'qcsflood', 'qcshang', 'qcsnologin', 'qcsfalse', 'qcsrefuse'];

function specs(): ThrowawayUserSpec[] {
  const sh = (name: string, shell: string, files?: Record<string, string>): ThrowawayUserSpec => ({ name, shell, files });
  return [
    sh('qcsdash', '/bin/sh'),
    sh('qcsbash', '/bin/bash', { '.bashrc': `echo "bashrc ${HELLO}"\n` }),
    sh('qcszsh', which('zsh')!, { '.zshenv': `echo "zshenv ${HELLO}"\n` }),
    sh('qcsfish', which('fish')!, { '.config/fish/config.fish': `echo "fish config ${HELLO}"\n` }),
    sh('qcstcsh', which('tcsh')!, { '.tcshrc': `echo "tcshrc ${HELLO}"\n` }),
    sh('qcsforce', '/bin/bash'),
    sh('qcsfork', '/bin/sh'),
    sh('qcsflood', '/bin/bash', { '.bashrc': 'i=0; while [ $i -lt 300 ]; do echo "motd line $i"; i=$((i+1)); done\n' }),
    // Waits for a line on stdin, as a forgotten `read` or a prompt does: it eats the command line, then hangs.
    sh('qcshang', '/bin/bash', { '.bashrc': 'read -r answer\n' }),
    sh('qcsnologin', fs.existsSync('/usr/sbin/nologin') ? '/usr/sbin/nologin' : '/sbin/nologin'),
    sh('qcsfalse', '/bin/false'),
    sh('qcsrefuse', '/bin/sh'),
  ];
}

beforeAll(async () => {
  if (skipWhy) return;
  // Traversable by the throwaway users: sshd reads their authorized_keys as them, and they run the wrappers.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qcs-'));
  fs.chmodSync(dir, 0o755);
  const script = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode: 0o755 });
    return file;
  };
  // A ForceCommand that runs the command as a child, and talks, instead of exec'ing it.
  const noExec = script('force-noexec', `#!/bin/bash\necho "wrapper ${HELLO}"\nsh -c "$SSH_ORIGINAL_COMMAND"\necho "wrapper: done"\n`);
  const refuse = script('force-refuse', '#!/bin/sh\necho "this account only runs backups" >&2\nexit 1\n');
  // Forks QEMU with the channel's stdin (an async list would get /dev/null) and exits at once.
  forkWrapper = script('qemu-fork', `#!/bin/sh\n${QEMU} "$@" <&0 &\nexit 0\n`);
  users = Object.fromEntries(createUsers(path.join(dir, 'home'), specs()).map((u) => [u.name, u]));
  sshd = await startSshd({
    userShellRc: true,
    extraConfig: [
      `AllowUsers ${ALL_NAMES.join(' ')}`,
      'Match User qcs*',
      `  AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'Match User qcsforce',
      `  ForceCommand ${noExec}`,
      'Match User qcsrefuse',
      `  ForceCommand ${refuse}`,
    ],
  });
  rootSshd = await startSshd({ extraConfig: ['Match User root', `  ForceCommand ${noExec}`] });
  fs.copyFileSync(path.join(sshd.dir, 'authorized_keys'), path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o644);
}, 30_000);

afterAll(async () => {
  if (skipWhy) return;
  await Promise.all([sshd?.stop(), rootSshd?.stop()]);
  removeUsers(ALL_NAMES);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const connection = (user: string) => sshd.connection({ user });
const qemuBinaryOf = (user: string) => (user === 'qcsfork' ? forkWrapper : undefined);
/** QEMUs: programs named qemu-system-* (the launch script's text names it too, so the name must lead). */
const onlyQemus = (ps: UserProcess[]) => ps.filter((p) => /^(\S*\/)?qemu-system-/.test(p.args));
const qemusOf = (user: string) => onlyQemus(processesOf(users[user].uid));

/** Whom a killed CLI logs in as, and how to find what that account runs. */
interface Account {
  name: string;
  sshd: Sshd;
  user: string;
  accel: 'kvm' | 'tcg';
  qemuBinary?: string;
  /** Every process the account's sessions started. */
  processes(): UserProcess[];
}

const KVM = fs.existsSync('/dev/kvm');

function accounts(): Account[] {
  const throwaway = WORKING.map((user): Account => ({ name: user, sshd, user, accel: 'tcg', qemuBinary: qemuBinaryOf(user), processes: () => processesOf(users[user].uid) }));
  // As the issue saw it: a paused KVM VM as root, behind a ForceCommand that does not exec. Root's QEMUs of other tests are told apart by this sshd's session marker.
  const root: Account = { name: `root (${KVM ? 'KVM' : 'TCG: no /dev/kvm'})`, sshd: rootSshd, user: 'root', accel: KVM ? 'kvm' : 'tcg', processes: () => processesCarrying(rootSshd.sessionEnv) };
  return [...throwaway, root];
}

async function probeAs(user: string, timeouts: { command?: number; exec?: number; greeting?: number } = { command: 5_000 }): Promise<unknown> {
  const transport = await SshTransport.connect(connection(user));
  try {
    return await probeHost(
      { connection: connection(user), accelerator: 'tcg', qemuBinary: qemuBinaryOf(user), timeouts },
      { transport, cache: 'off' },
    );
  } finally {
    await transport.close();
  }
}

describeShells(`login shells${skipWhy ? ` (skipped: ${skipWhy})` : ''}`, () => {
  it('[ssh-login-shell-output] sh (dash), bash, zsh, fish, tcsh and a ForceCommand wrapper that does not exec, all printing on stdout at login: the probe answers', async () => {
    const speakers = ['qcsbash', 'qcszsh', 'qcsfish', 'qcstcsh', 'qcsforce'];
    const outcomes = await Promise.all(
      WORKING.filter((u) => u !== 'qcsfork').map(async (user) => {
        // The startup files really print before the command's own output.
        const transport = await SshTransport.connect(connection(user));
        const echoed = await runToEnd(transport, ['echo', 'the command']).finally(() => transport.close());
        const caps = await probeAs(user).catch((e: unknown) => e);
        recordOutput(`loginShells:${user}`, caps);
        return { user, echoed: echoed.stdout, answered: (caps as { qemu?: { version?: string } }).qemu?.version ?? String(caps) };
      }),
    );
    for (const o of outcomes) {
      expect({ user: o.user, answered: o.answered }).toEqual({ user: o.user, answered: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
      expect(o.echoed).toMatch(speakers.includes(o.user) ? new RegExp(`${HELLO}\\n(.|\\n)*the command\\n`) : /^the command\n$/);
    }
  });

  it('[ssh-login-shell-flood] startup files printing more than 200 lines: QmpProtocolError naming the startup files, not QEMU', async () => {
    const err = (await probeAs('qcsflood').catch((e: unknown) => e)) as QemuCpuError;
    recordOutput('loginShells:flood', err);
    expect(err).toBeInstanceOf(QmpProtocolError);
    expect(err.message).toMatch(/more than 200 lines .* not QMP came before QEMU's QMP greeting .*"motd line 0".*~\/\.bashrc/);
  });

  it('[ssh-forking-wrapper] a qemuBinary wrapper that forks QEMU and exits: QemuLaunchError naming the wrapper, and its QEMU is ended', async () => {
    const err = (await probeAs('qcsfork', { command: 2_000 }).catch((e: unknown) => e)) as QemuCpuError;
    recordOutput('loginShells:fork', err);
    expect(err).toBeInstanceOf(QemuLaunchError);
    expect(err.stage).toBe('launch');
    expect(err.what).toBe(`${forkWrapper} exited, leaving QEMU running without its QMP input`);
    expect(err.message).toMatch(/instead of exec'ing it, so sshd closed QEMU's stdin .*qmp_capabilities got no reply.*exec qemu-system/);
    expect(qemusOf('qcsfork')).toEqual([]);
  });

  it('[ssh-login-shell-hangs] a ~/.bashrc that waits for input: LoginShellError (exec) at the limit, naming the startup files; nothing started', async () => {
    const started = Date.now();
    const err = (await probeAs('qcshang', { exec: 1_500, greeting: 1_500 }).catch((e: unknown) => e)) as QemuCpuError;
    recordOutput('loginShells:hang', err);
    expect(err).toBeInstanceOf(LoginShellError);
    expect(err.stage).toBe('exec');
    expect(err.message).toMatch(/the account's login shell did not start qemu-cpu's command \(exec\): nothing ran within 1500 ms of logging in: a startup file \(~\/\.bashrc/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(qemusOf('qcshang')).toEqual([]);
  });

  it.each([
    ['qcsnologin', 'nologin', /This account is currently not available/],
    ['qcsfalse', '/bin/false', /said nothing/],
    ['qcsrefuse', 'a ForceCommand that refuses', /this account only runs backups/],
  ])('[ssh-login-shell-refuses] %s (%s): LoginShellError (exec) naming the account\'s login shell or ForceCommand, never QEMU', async (user, _what, said) => {
    const err = (await probeAs(user).catch((e: unknown) => e)) as QemuCpuError;
    recordOutput(`loginShells:${user}`, err);
    expect(err).toBeInstanceOf(LoginShellError);
    expect(err.stage).toBe('exec');
    expect(err.what).toBe(`the login shell or ForceCommand of user ${user} did not run qemu-cpu's command`);
    expect(err.message).toMatch(said);
    expect(err.message).not.toMatch(/QEMU exited|QMP|machine type/);
  });

  // The real CLI, killed as soon as its QEMU runs on the host; then nothing of that user may be left.
  const THROUGH = 'through sh (dash), bash, zsh, fish, tcsh, a non-exec ForceCommand, a forking qemuBinary wrapper, and root with KVM behind a non-exec ForceCommand';
  it.each(['SIGKILL', 'SIGTERM'] as const)(`[cli-killed-mid-probe] qemu-cpu probe killed by %s while its QEMU runs, ${THROUGH}: nothing is left`, (signal) =>
    expectNothingLeft('probe', signal),
  );
  it.each(['SIGKILL', 'SIGTERM'] as const)(`[cli-killed-mid-check] qemu-cpu check killed by %s while its QEMU runs, ${THROUGH}: nothing is left`, (signal) =>
    expectNothingLeft('check', signal),
  );
});

async function expectNothingLeft(command: 'probe' | 'check', signal: NodeJS.Signals): Promise<void> {
  const results = await Promise.all(accounts().map((account) => killMidRun(command, signal, account)));
  for (const r of results) {
    expect(r).toEqual({ account: r.account, sawQemu: true, qemuLeftAfterMs: expect.any(Number), anyLeft: [] });
    expect({ account: r.account, gone: r.qemuLeftAfterMs! < 5_000 }).toEqual({ account: r.account, gone: true });
  }
}

interface KillOutcome {
  account: string;
  sawQemu: boolean;
  /** How long after the kill the account's last QEMU was gone; undefined if one was still there after 8 s. */
  qemuLeftAfterMs: number | undefined;
  /** The account's processes still there 8 s after the kill (the watchdog, a shell, QEMU). */
  anyLeft: string[];
}

/** Runs that end before their QEMU was seen (a fast host) are tried again, this often. */
const KILL_ATTEMPTS = 3;

async function killMidRun(command: 'probe' | 'check', signal: NodeJS.Signals, account: Account): Promise<KillOutcome> {
  const cache = fs.mkdtempSync(path.join(dir, 'cache-'));
  const { sshd: host, user, qemuBinary } = account;
  const args =
    command === 'probe'
      ? ['probe', `${user}@127.0.0.1`, '-p', String(host.port), '-i', host.privateKeyPath, '--known-hosts', host.knownHostsPath, '--accel', account.accel, '--no-cache', ...(qemuBinary ? ['--qemu-binary', qemuBinary] : [])]
      : ['check', '--config', checkFile(cache, account), '--no-cache'];
  const qemus = () => onlyQemus(account.processes());
  let sawQemu = false;
  for (let attempt = 1; attempt <= KILL_ATTEMPTS && !sawQemu; attempt++) {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/qemu-cpu.js'), ...args], {
      env: { ...process.env, XDG_CACHE_HOME: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let ended = false;
    const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => (ended = true));
    try {
      sawQemu = (await pollFor(() => (qemus().length > 0 ? true : ended ? false : undefined), 20_000)) ?? false;
      child.kill(signal);
      await exited;
      recordOutput(`loginShells:${command}:${user}`, output);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  const killedAt = Date.now();
  const qemuGone = await pollFor(() => (qemus().length === 0 ? Date.now() - killedAt : undefined), 8_000);
  const allGone = await pollFor(() => (account.processes().length === 0 ? true : undefined), 8_000 - (Date.now() - killedAt));
  return { account: account.name, sawQemu, qemuLeftAfterMs: qemuGone, anyLeft: allGone ? [] : account.processes().map((p) => p.args.slice(0, 120)) };
}

function checkFile(into: string, account: Account): string {
  const file = path.join(into, `check-${randomBytes(4).toString('hex')}.yml`);
  const host = [
    '  - host: 127.0.0.1',
    `    port: ${account.sshd.port}`,
    `    user: ${account.user}`,
    `    privateKeyPath: ${account.sshd.privateKeyPath}`,
    `    knownHostsPath: ${account.sshd.knownHostsPath}`,
    ...(account.qemuBinary ? [`    qemuBinary: ${account.qemuBinary}`] : []),
  ];
  fs.writeFileSync(file, ['sshConfig: none', 'hosts:', ...host, 'model: qemu64', `accelerator: ${account.accel}`, 'machineType: pc', ''].join('\n'));
  return file;
}
