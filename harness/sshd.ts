import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionInput } from '../provider/transport/connectionSchema';
import { scratchDir } from './paths';
import { TEST_RUN_ENV } from './qemuProcesses';
import { registerSecret } from './secretSink';
import { generateKeyPair, keygen, run, type ClientKeys, type KeyPair } from './sshdKeys';
import { killTree, processesWithEnv, processTree, type ProcessId } from './sshdProcessTree';

export { generateKeyPair, type KeyPair } from './sshdKeys';

const SSHD = '/usr/sbin/sshd';
const START_TIMEOUT_MS = 5000;
const LOG_LIMIT = 64 * 1024;

/** How to configure a test sshd. */
export interface SshdOptions {
  /** PasswordAuthentication yes (the user must have a password for it to succeed). Default false. */
  passwordAuth?: boolean;
  /** sshd's MaxStartups, e.g. 1 or "1:100:1", for fault tests. */
  maxStartups?: number | string;
  /** sshd's MaxSessions (default 10). */
  maxSessions?: number;
  /** sshd's LogLevel. Default VERBOSE; proxyChain's jump host uses DEBUG1, which logs forwarded channels. */
  logLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** Let sessions run the user's ~/.bashrc, as a real host would. Default false. */
  userShellRc?: boolean;
  /** Further sshd_config lines. */
  extraConfig?: readonly string[];
}

/** A running loopback sshd and the credentials to reach it. */
export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The current user, the only one allowed in. */
  readonly user: string;
  /** The temp dir with the config, keys, known_hosts and pid file; removed by stop(). */
  readonly dir: string;
  /** OpenSSH-format private key text, authorized on this sshd. */
  readonly privateKey: string;
  readonly privateKeyPath: string;
  /** The same key encrypted with {@link privateKeyPassphrase}. */
  readonly privateKeyEncrypted: string;
  readonly privateKeyEncryptedPath: string;
  readonly privateKeyPassphrase: string;
  /** The host key as an OpenSSH public key line: "ssh-ed25519 AAAA...". */
  readonly hostKeyLine: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  readonly hostKeyFingerprint: string;
  /** A known_hosts file holding "[127.0.0.1]:port <host key>" (written at start; not rewritten by restartWithNewHostKey). */
  readonly knownHostsPath: string;
  /** The listening sshd's pid. */
  readonly pid: number;
  /** The environment entry (NAME=value) that every process its sessions start carries. */
  readonly sessionEnv: string;
  /** A connection for the transport: key auth, known_hosts verification, short timeouts. */
  connection(overrides?: Partial<ConnectionInput>): ConnectionInput;
  /**
   * A host entry for a check file (YAML): the key by its path, never its text, and known_hosts
   * verification; `extra` adds or overrides fields (qemuBinary, ...).
   */
  fileHost(name: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** sshd's log (stderr) so far. */
  logs(): string;
  /** Terminate sshd and every process it started, then remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL sshd and every process it started (connections drop without goodbye); resolves once the listener is gone. */
  kill(): Promise<void>;
  /** Restart on the same port with a new host key; known_hosts keeps the old one. Returns the old key. */
  restartWithNewHostKey(): Promise<{ oldHostKeyLine: string; oldHostKeyFingerprint: string }>;
}

const running = new Set<SshdInstance>();
let exitHookInstalled = false;

/**
 * Start a real OpenSSH sshd on 127.0.0.1 and a free port, as the current
 * user, with a throwaway host key and the process's cached client key.
 * Resolves once sshd listens. Call stop() in afterAll.
 */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  ensurePrivsepDir();
  fs.mkdirSync(scratchDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(scratchDir, 'sshd-'));
  try {
    const [keys, hostKey] = await Promise.all([clientKeys(), keygen(dir, 'host_ed25519')]);
    const instance = new SshdInstance(dir, options, keys, hostKey);
    await instance.start();
    return instance;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A jump host and a target, both loopback sshds; connection() reaches the target through the jump host. */
export interface SshdChain {
  readonly jump: Sshd;
  readonly target: Sshd;
  connection(overrides?: Partial<ConnectionInput>): ConnectionInput;
  stop(): Promise<void>;
}

/** Start two sshds for jump-host tests. Each hop verifies its own host key through its own known_hosts. */
export async function proxyChain(options: SshdOptions = {}): Promise<SshdChain> {
  const [jump, target] = await Promise.allSettled([startSshd({ logLevel: 'DEBUG1', ...options }), startSshd(options)]);
  if (jump.status === 'rejected' || target.status === 'rejected') {
    await Promise.all([jump, target].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw jump.status === 'rejected' ? jump.reason : (target as PromiseRejectedResult).reason;
  }
  return {
    jump: jump.value,
    target: target.value,
    connection: (overrides) => target.value.connection({ proxy: jump.value.connection(), ...overrides }),
    stop: async () => {
      await Promise.all([jump.value.stop(), target.value.stop()]);
    },
  };
}

let cachedClientKeys: Promise<ClientKeys> | undefined;

/** The client key pair, generated once per process. */
function clientKeys(): Promise<ClientKeys> {
  cachedClientKeys ??= (async () => {
    const dir = fs.mkdtempSync(path.join(scratchDir, 'sshd-keys-'));
    try {
      const pair = await generateKeyPair();
      const passphrase = `pp-${randomBytes(12).toString('hex')}`;
      const encPath = path.join(dir, 'id_enc');
      fs.writeFileSync(encPath, pair.privateKey, { mode: 0o600 });
      // Few KDF rounds: the decryption path is the same, only cheaper.
      await run('ssh-keygen', ['-q', '-p', '-a', '4', '-P', '', '-N', passphrase, '-f', encPath]);
      const keys = { ...pair, privateKeyEncrypted: fs.readFileSync(encPath, 'utf8'), passphrase };
      // The suite's secret scan looks for these in everything qemu-cpu printed or stored.
      for (const secret of [keys.privateKey, keys.privateKeyEncrypted, keys.passphrase]) registerSecret(secret);
      return keys;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  })();
  cachedClientKeys.catch(() => (cachedClientKeys = undefined));
  return cachedClientKeys;
}

class SshdInstance implements Sshd {
  readonly host = '127.0.0.1' as const;
  readonly user = os.userInfo().username;
  readonly privateKey: string;
  readonly privateKeyPath: string;
  readonly privateKeyEncrypted: string;
  readonly privateKeyEncryptedPath: string;
  readonly privateKeyPassphrase: string;
  readonly knownHostsPath: string;
  port = 0;
  hostKeyLine: string;
  hostKeyFingerprint: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';
  private stopping: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly options: SshdOptions,
    keys: ClientKeys,
    hostKey: KeyPair,
  ) {
    this.privateKey = keys.privateKey;
    this.privateKeyEncrypted = keys.privateKeyEncrypted;
    this.privateKeyPassphrase = keys.passphrase;
    this.privateKeyPath = path.join(dir, 'id_ed25519');
    this.privateKeyEncryptedPath = path.join(dir, 'id_ed25519_encrypted');
    this.knownHostsPath = path.join(dir, 'known_hosts');
    this.hostKeyLine = hostKey.publicKeyLine;
    this.hostKeyFingerprint = hostKey.fingerprint;
    fs.writeFileSync(this.privateKeyPath, keys.privateKey, { mode: 0o600 });
    fs.writeFileSync(this.privateKeyEncryptedPath, keys.privateKeyEncrypted, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'authorized_keys'), `${keys.publicKeyLine}\n`, { mode: 0o600 });
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get sessionEnv(): string {
    return markerEnv(this.dir);
  }

  async start(): Promise<void> {
    // Picking a free port and binding it is racy; sshd says so and we pick again.
    for (let attempt = 1; ; attempt++) {
      const port = this.port || (await freePort());
      try {
        await this.launch(port);
        this.port = port;
        break;
      } catch (err) {
        if (attempt >= 3 || this.port || !/Address already in use/.test(this.log)) throw err;
      }
    }
    if (!fs.existsSync(this.knownHostsPath)) {
      fs.writeFileSync(this.knownHostsPath, `[${this.host}]:${this.port} ${this.hostKeyLine}\n`);
    }
  }

  private launch(port: number): Promise<void> {
    const configPath = path.join(this.dir, 'sshd_config');
    fs.writeFileSync(configPath, sshdConfig(this.dir, port, this.user, this.options));
    this.log = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    running.add(this);
    installExitHook();
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) running.delete(this);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail('did not start listening in time'), START_TIMEOUT_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`sshd on port ${port} ${why}:\n${this.log}`));
      };
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        if (this.log.length < LOG_LIMIT) this.log += chunk;
        if (this.log.includes(`Server listening on ${this.host} port ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => fail(`could not be started (${err.message})`));
      child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    });
  }

  connection(overrides: Partial<ConnectionInput> = {}): ConnectionInput {
    return {
      host: this.host,
      port: this.port,
      user: this.user,
      privateKey: this.privateKey,
      knownHostsPath: this.knownHostsPath,
      perDialTimeout: 5,
      dialErrorLimit: 3,
      ...overrides,
    };
  }

  fileHost(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name, host: this.host, port: this.port, user: this.user, privateKeyPath: this.privateKeyPath, knownHostsPath: this.knownHostsPath, ...extra };
  }

  logs(): string {
    return this.log;
  }

  kill(): Promise<void> {
    killTree(this.processes(), 'SIGKILL');
    return this.exited;
  }

  /** sshd, its descendants, and whatever its sessions started that outlived them. */
  private processes(): ProcessId[] {
    const tree = this.child?.pid ? processTree(this.child.pid) : [];
    return [...tree, ...processesWithEnv(markerEnv(this.dir))];
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.terminate();
      fs.rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  async restartWithNewHostKey(): Promise<{ oldHostKeyLine: string; oldHostKeyFingerprint: string }> {
    const old = { oldHostKeyLine: this.hostKeyLine, oldHostKeyFingerprint: this.hostKeyFingerprint };
    await this.terminate();
    for (const file of ['host_ed25519', 'host_ed25519.pub']) fs.rmSync(path.join(this.dir, file), { force: true });
    const hostKey = await keygen(this.dir, 'host_ed25519');
    this.hostKeyLine = hostKey.publicKeyLine;
    this.hostKeyFingerprint = hostKey.fingerprint;
    await this.start();
    return old;
  }

  /** SIGTERM sshd and its descendants, SIGKILL whatever is left after a short grace. */
  private async terminate(): Promise<void> {
    const tree = this.processes();
    killTree(tree, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    killTree(tree, 'SIGKILL');
    await this.exited;
  }

  /** Synchronous last resort for process exit. */
  killNow(): void {
    killTree(this.processes(), 'SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function sshdConfig(dir: string, port: number, user: string, options: SshdOptions): string {
  const root = process.getuid?.() === 0;
  const lines = [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'StrictModes no',
    'UsePAM no',
    `PasswordAuthentication ${options.passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    ...(root ? [`PermitRootLogin ${options.passwordAuth ? 'yes' : 'prohibit-password'}`] : []),
    'AllowTcpForwarding yes',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'LoginGraceTime 20',
    `LogLevel ${options.logLevel ?? 'VERBOSE'}`,
    // The marker finds session processes that outlive their session (reparented to init).
    // SHLVL=1: Debian's bash sources ~/.bashrc for sshd's "bash -c" unless it is a nested shell, and
    // the machine's rc files (here a pyenv rehash that waits on a lock) must not slow or hang the tests.
    // The test run's marker (global setup) lets the suite's leftover check tell its own QEMUs from another run's.
    `SetEnv ${markerEnv(dir)}${runMarker()}${options.userShellRc ? '' : ' SHLVL=1'}`,
    ...(options.maxStartups !== undefined ? [`MaxStartups ${options.maxStartups}`] : []),
    ...(options.maxSessions !== undefined ? [`MaxSessions ${options.maxSessions}`] : []),
    // OpenSSH 9.8+ would otherwise lock out 127.0.0.1 after the deliberate auth failures of the tests.
    ...(sshdVersion() >= 9.8 ? ['PerSourcePenalties no'] : []),
    ...(options.extraConfig ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

/** " QEMU_CPU_TEST_RUN=<id>" when global setup has set it, else "". */
function runMarker(): string {
  const run = process.env[TEST_RUN_ENV];
  return run && /^[A-Za-z0-9_-]+$/.test(run) ? ` ${TEST_RUN_ENV}=${run}` : '';
}

/** The environment entry every session of the sshd in `dir` carries. */
function markerEnv(dir: string): string {
  return `QEMU_CPU_TEST_SSHD=${path.basename(dir)}`;
}

let cachedVersion: number | undefined;

/** OpenSSH's version as major.minor; sshd -V (or the usage text of older ones) prints it. */
function sshdVersion(): number {
  if (cachedVersion === undefined) {
    const out = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
    const match = /OpenSSH_(\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`);
    cachedVersion = match ? Number(`${match[1]}.${match[2]}`) : 0;
  }
  return cachedVersion;
}

/** Root's sshd refuses to start without its privilege-separation directory. */
function ensurePrivsepDir(): void {
  if (process.getuid?.() === 0 && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const instance of running) instance.killNow();
  });
}
