/**
 * Faults from SSH (docs/reliability.md, "Faults from SSH"), as the probe's
 * callers meet them: connection refused, a dial timeout, authentication
 * failures, a changed host key, sshd killed in the middle of a probe, and a
 * 100-host burst that trips sshd's MaxStartups. Every outcome is a typed
 * error naming the host and the stage, within the dial limits; nothing is
 * left on the host. Every error is recorded for the suite's secret scan.
 *
 * Test names carry the fault's id from docs/reliability.md in brackets.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { probeHost, type ProbeRequestInput } from '../../probe';
import { TransportPool } from '../../probe/transportPool';
import { readHostFacts } from '../../launcher';
import { ConnectionSchema } from '../connectionSchema';
import { SshTransport } from './sshTransport';
import { AuthenticationError, ConfigError, ConnectionError, DisconnectedError, HostKeyError, QemuCpuError } from '../../errors';
import { generateKeyPair, startSshd, type KeyPair, type Sshd } from '../../../harness/sshd';
import { run } from '../../../harness/sshdKeys';
import { killTree, processTree } from '../../../harness/sshdProcessTree';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { noQemuLeft, qemuProcessesMatching } from '../../../harness/qemuProcesses';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { testPassword } from '../../../test/support/testSecrets';
import { scratchDir } from '../../../harness/paths';
import { startTcpRelay } from '../../../test/support/tcpRelay';

let sshd: Sshd;
let stranger: KeyPair & { encrypted: string; passphrase: string };

beforeAll(async () => {
  const [server, other] = await Promise.all([startSshd({ passwordAuth: true }), generateKeyPair()]);
  sshd = server;
  // A key (and its encrypted form) that the sshd does not authorize.
  const dir = fs.mkdtempSync(path.join(scratchDir, 'stranger-'));
  try {
    const passphrase = `stranger-${Date.now().toString(36)}-passphrase`;
    const file = path.join(dir, 'id');
    fs.writeFileSync(file, other.privateKey, { mode: 0o600 });
    await run('ssh-keygen', ['-q', '-p', '-a', '4', '-P', '', '-N', passphrase, '-f', file]);
    stranger = { ...other, encrypted: fs.readFileSync(file, 'utf8'), passphrase };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const secret of [stranger.privateKey, stranger.encrypted, stranger.passphrase]) registerSecret(secret);
});

afterAll(async () => {
  await sshd?.stop();
});

/** Probe through a fresh pool whose transports log to `log`; resolve with the typed error (or fail). */
async function probeFailure(input: ProbeRequestInput, log: string[] = []): Promise<{ err: QemuCpuError; ms: number }> {
  const pool = new TransportPool({}, (c) => SshTransport.connect(c, { logger: { debug: (m) => log.push(m) } }));
  const started = Date.now();
  try {
    const err = await probeHost(input, { pool }).then(
      () => new Error('the probe succeeded although it should have failed'),
      (e: unknown) => e,
    );
    recordOutput('probe:ssh-fault', err);
    recordOutput('probe:ssh-fault:log', log.join('\n'));
    expect(err).toBeInstanceOf(QemuCpuError);
    return { err: err as QemuCpuError, ms: Date.now() - started };
  } finally {
    await pool.closeAll();
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('dialing faults', () => {
  it('[ssh-refused] connection refused: ConnectionError (connect) at once, never retried', async () => {
    const port = await closedPort();
    const log: string[] = [];
    const { err, ms } = await probeFailure({ connection: sshd.connection({ port, dialErrorLimit: 3 }) }, log);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ stage: 'connect', host: `127.0.0.1:${port}`, why: 'connection refused' });
    expect(err.message).toMatch(/\(connect\): connection refused.*sshd is running/);
    expect(err.message).not.toMatch(/attempts/);
    expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
    expect(ms).toBeLessThan(1_000);
  });

  it('[ssh-dial-timeout] a listener that never speaks SSH: ConnectionError (ssh-banner) at perDialTimeout, one attempt', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const { err, ms } = await probeFailure({ connection: sshd.connection({ port, perDialTimeout: 1, dialErrorLimit: 2 }) });
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err).toMatchObject({ stage: 'ssh-banner', host: `127.0.0.1:${port}` });
      expect(err.message).toMatch(/\(ssh-banner\): the port accepted TCP but sent no SSH banner within 1s \(perDialTimeout\)/);
      expect(sockets).toHaveLength(1);
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(3_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('authentication faults: typed, never retried, never echo a secret', () => {
  const expectAuthFailure = async (connection: Record<string, unknown>, tried: RegExp) => {
    const log: string[] = [];
    const { err, ms } = await probeFailure({ connection: sshd.connection({ ...connection, dialErrorLimit: 5 }) }, log);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ stage: 'auth', host: `127.0.0.1:${sshd.port}` });
    expect(err.message).toMatch(new RegExp(`refused user ${sshd.user}`));
    expect(err.message).toMatch(tried);
    expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
    expect(ms).toBeLessThan(5_000);
  };

  it('[ssh-auth-failure] a key the host does not authorize', async () => {
    await expectAuthFailure({ privateKey: stranger.privateKey }, /tried publickey/);
  });

  it('[ssh-auth-failure] an encrypted key, with its passphrase, that the host does not authorize', async () => {
    await expectAuthFailure({ privateKey: stranger.encrypted, privateKeyPassword: stranger.passphrase }, /tried publickey/);
  });

  it('[ssh-auth-failure] a wrong password', async () => {
    await expectAuthFailure({ privateKey: undefined, password: testPassword() }, /tried password/);
  });

  it('[ssh-auth-failure] a key and a password, both refused', async () => {
    await expectAuthFailure({ privateKey: stranger.privateKey, password: testPassword() }, /tried publickey, password/);
  });

  it('[ssh-key-passphrase] an encrypted key without its passphrase, or with a wrong one: ConfigError before any dial', async () => {
    const missing = await probeFailure({ connection: sshd.connection({ privateKey: sshd.privateKeyEncrypted }) });
    expect(missing.err).toBeInstanceOf(ConfigError);
    expect(missing.err.message).toMatch(/privateKey is encrypted.*Set privateKeyPassword/);
    const wrong = await probeFailure({ connection: sshd.connection({ privateKey: sshd.privateKeyEncrypted, privateKeyPassword: testPassword() }) });
    expect(wrong.err).toBeInstanceOf(ConfigError);
    expect(wrong.err.message).toMatch(/privateKeyPassword does not decrypt privateKey/);
    const wrongFile = await probeFailure({
      connection: sshd.connection({ privateKey: undefined, privateKeyPath: sshd.privateKeyEncryptedPath, privateKeyPassword: stranger.passphrase }),
    });
    expect(wrongFile.err).toBeInstanceOf(ConfigError);
    expect(wrongFile.err.message).toContain(`privateKeyPassword does not decrypt privateKeyPath ${sshd.privateKeyEncryptedPath}`);
  });
});

describe('host faults', () => {
  it('[ssh-host-key-changed] a host key that changed since known_hosts was written: HostKeyError (host-key), not retried', async () => {
    const rekeyed = await startSshd();
    try {
      const before = await probeHost({ connection: rekeyed.connection(), accelerator: 'tcg', qemuBinary: replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg') }, { pool: new TransportPool({ idleMs: 100 }) });
      expect(before.accelerator).toBe('tcg');
      const { oldHostKeyFingerprint } = await rekeyed.restartWithNewHostKey();
      const log: string[] = [];
      const { err, ms } = await probeFailure({ connection: rekeyed.connection({ dialErrorLimit: 5 }) }, log);
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err).toMatchObject({ stage: 'host-key', host: `127.0.0.1:${rekeyed.port}`, fingerprint: rekeyed.hostKeyFingerprint });
      expect(err.message).toMatch(/it has CHANGED/);
      expect(err.message).toContain(oldHostKeyFingerprint);
      expect(err.message).toContain(rekeyed.hostKeyFingerprint);
      expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await rekeyed.stop();
    }
  });

  it('[ssh-killed-mid-probe] sshd killed in the middle of a probe: DisconnectedError at once, and QEMU dies with the session', async () => {
    const doomed = await startSshd();
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'hang-after-greet', 'sshd-killed');
    const pool = new TransportPool();
    try {
      const probing = probeHost({ connection: doomed.connection({ name: 'doomed' }), qemuBinary, timeouts: { greeting: 30_000, command: 30_000 } }, { pool }).then(
        () => new Error('the probe succeeded although sshd was killed'),
        (e: unknown) => e,
      );
      // Wait until the fake QEMU runs on the host, waiting for qmp_capabilities' reply.
      const end = Date.now() + 10_000;
      while (qemuProcessesMatching(path.dirname(qemuBinary)).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      expect(qemuProcessesMatching(path.dirname(qemuBinary))).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 500));
      // Kill sshd (the listener and the session processes) the hard way, and only sshd: QEMU must go by itself.
      const sshdProcesses = processTree(doomed.pid).filter(({ pid }) => /^sshd/.test(readComm(pid)));
      expect(sshdProcesses.length).toBeGreaterThanOrEqual(2);
      const killedAt = Date.now();
      killTree(sshdProcesses, 'SIGKILL');
      const err = await probing;
      recordOutput('probe:ssh-fault:killed', err);
      // "At once": far inside the 30 s limits the probe was given, with room for a loaded runner.
      expect(Date.now() - killedAt).toBeLessThan(8_000);
      expect(err).toBeInstanceOf(DisconnectedError);
      // Killed while QEMU starts up or waits in negotiation, depending on timing.
      expect(err).toMatchObject({ host: 'doomed', stage: expect.stringMatching(/^qmp-(greeting|negotiate)$/) });
      expect((err as Error).message).toMatch(/the SSH connection was lost/);
      // setpriv --pdeathsig KILL: the kernel ends QEMU when its sshd session process dies.
      expect(await noQemuLeft(path.dirname(qemuBinary), 3_000)).toBe(true);
    } finally {
      await pool.closeAll();
      await doomed.stop();
    }
  });
});

describe('network faults', () => {
  it('[ssh-network-drop] the network drops every connection mid-probe: DisconnectedError at once, and QEMU dies with the session', async () => {
    const relay = await startTcpRelay(sshd.port);
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'slow', 'network-drop');
    const pool = new TransportPool();
    try {
      const connection = sshd.connection({ name: 'cut-off', port: relay.port, knownHostsPath: undefined, hostKey: sshd.hostKeyLine });
      const probing = probeHost({ connection, qemuBinary, timeouts: { command: 30_000 } }, { pool }).then(
        () => new Error('the probe succeeded although the network dropped'),
        (e: unknown) => e,
      );
      const end = Date.now() + 10_000;
      while (qemuProcessesMatching(path.dirname(qemuBinary)).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      expect(qemuProcessesMatching(path.dirname(qemuBinary))).toHaveLength(1);
      // Mid-conversation: the slow QEMU answers one command every 400 ms.
      await new Promise((r) => setTimeout(r, 900));
      const droppedAt = Date.now();
      relay.dropAll();
      const err = await probing;
      recordOutput('probe:ssh-fault:network-drop', err);
      expect(Date.now() - droppedAt).toBeLessThan(8_000);
      expect(err).toBeInstanceOf(DisconnectedError);
      expect(err).toMatchObject({ host: 'cut-off', stage: expect.stringMatching(/^qmp-(negotiate|command)$/) });
      expect((err as Error).message).toMatch(/the SSH connection was lost/);
      expect(await noQemuLeft(path.dirname(qemuBinary), 3_000)).toBe(true);
    } finally {
      await pool.closeAll();
      await relay.close();
    }
  });
});

describe('a 100-host burst against one sshd', () => {
  const burst = async (server: Sshd, dialErrorLimit: number) => {
    const log: string[] = [];
    const pool = new TransportPool({}, (c) => SshTransport.connect(c, { logger: { debug: (m) => log.push(m) } }));
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          // 100 distinct host names (pool entries, connections), one sshd.
          const c = ConnectionSchema.parse(server.connection({ name: `kvm-${String(i).padStart(3, '0')}`, dialErrorLimit, perDialTimeout: 10 }));
          return pool.use(c, (t) => readHostFacts(t, undefined, 20_000)).then(
            (facts) => ({ name: c.name!, ok: true as const, arch: facts.arch }),
            (err: unknown) => ({ name: c.name!, ok: false as const, err }),
          );
        }),
      );
      recordOutput('probe:ssh-fault:burst', results.map((r) => (r.ok ? r : { ...r, err: String(r.err) })));
      recordOutput('probe:ssh-fault:burst:log', log.join('\n'));
      const attempts = log.map((m) => /^kvm-\d+: connected on attempt (\d+)$/.exec(m)).filter((m) => m !== null).map((m) => Number(m![1]));
      return { results, log, attempts };
    } finally {
      await pool.closeAll();
    }
  };

  it('[ssh-maxstartups-burst] trips MaxStartups (sshd default 10:30:100); every host gets in by retrying with backoff within dialErrorLimit', async () => {
    const busy = await startSshd({ maxStartups: '10:30:100', maxSessions: 10 });
    try {
      const { results, log, attempts } = await burst(busy, 10);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.every((r) => r.ok && r.arch === 'x86_64')).toBe(true);
      expect(busy.logs()).toMatch(/drop connection #\d+ .* past MaxStartups/);
      expect(log.filter((m) => /dial attempt \d+ failed \(reset\); retrying in \d+ ms/.test(m)).length).toBeGreaterThan(0);
      expect(attempts).toHaveLength(100);
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      expect(Math.max(...attempts)).toBeLessThanOrEqual(10);
    } finally {
      await busy.stop();
    }
  });

  it('[ssh-maxstartups-burst] with dialErrorLimit 1 the dropped hosts fail alone, with a ConnectionError that names MaxStartups', async () => {
    const busy = await startSshd({ maxStartups: '3:100:3', maxSessions: 10 });
    try {
      const { results } = await burst(busy, 1);
      const failed = results.filter((r) => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
      expect(results.length - failed.length).toBeGreaterThan(0);
      for (const r of failed) {
        const err = (r as { err: unknown }).err;
        expect(err).toBeInstanceOf(ConnectionError);
        expect(err).toMatchObject({ stage: 'connect', host: r.name });
        expect((err as Error).message).toMatch(/connection reset before the SSH handshake finished.*MaxStartups.*dialErrorLimit/);
      }
    } finally {
      await busy.stop();
    }
  });
});

function readComm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
