/**
 * Bounds on a host that stops answering after it was reached
 * (docs/reliability.md): a silent network partition in the middle of the
 * QMP conversation, and a host slower than the per-host time limit. A real
 * loopback sshd behind a TCP relay, and a replay QEMU that answers every
 * command after 400 ms.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import * as path from 'node:path';
import { HostUnresponsiveError, TimeoutError, type QemuCpuError } from '../errors';
import { probeHost } from './probeHost';
import { TransportPool } from './transportPool';
import { noQemuLeft, qemuProcessesMatching } from '../../harness/qemuProcesses';
import { replayQemuBinary } from '../../test/support/replayHost';
import { recordOutput } from '../../harness/secretSink';
import { startSshd, type Sshd } from '../../harness/sshd';
import { startTcpRelay } from '../../test/support/tcpRelay';

let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.stop();
});

/** Resolves once a QEMU started from `binary`'s directory runs (at most 10 s). */
async function qemuStarted(binary: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (qemuProcessesMatching(path.dirname(binary)).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  expect(qemuProcessesMatching(path.dirname(binary))).toHaveLength(1);
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => new Error('the probe succeeded although it should have failed'),
    (e: unknown) => e as QemuCpuError,
  );

describe('a host that stops answering mid-probe', () => {
  it('[qmp-partition] a silent partition during QMP: HostUnresponsiveError naming the QMP stage within 25 s, not "QEMU sent no greeting"', async () => {
    const relay = await startTcpRelay(sshd.port);
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'slow', 'partition');
    const pool = new TransportPool();
    try {
      const connection = sshd.connection({ name: 'partitioned', port: relay.port, knownHostsPath: undefined, hostKey: sshd.hostKeyLine });
      const probing = failureOf(probeHost({ connection, qemuBinary }, { pool }));
      await qemuStarted(qemuBinary);
      // Mid-conversation: the slow QEMU answers one command every 400 ms.
      await new Promise((r) => setTimeout(r, 900));
      const cutAt = Date.now();
      relay.partition();
      const err = await probing;
      const ms = Date.now() - cutAt;
      recordOutput('probe:partition', err);
      recordOutput('probe:partition:ms', String(ms));
      expect(err).toBeInstanceOf(HostUnresponsiveError);
      expect(err).toMatchObject({ host: 'partitioned', stage: expect.stringMatching(/^qmp-(negotiate|command)$/) });
      expect(err.message).toMatch(/^partitioned: the host stopped answering \(qmp-(negotiate|command)\): nothing came over SSH for \d+ s, not even replies to keepalives: a network partition or a hung host, not a fault of QEMU\./);
      expect(ms).toBeLessThan(25_000);
    } finally {
      await pool.closeAll();
      // The partition heals by ending: sshd sees the connection close, and its session (QEMU with it) ends.
      await relay.close();
    }
    expect(await noQemuLeft(path.dirname(qemuBinary), 5_000)).toBe(true);
  }, 40_000);

  it('[qmp-partition-lifetime] QEMU on the far side of a partition that lasts: the host-side watchdog ends it at the launch lifetime, while the session still stands', async () => {
    const relay = await startTcpRelay(sshd.port);
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'slow', 'partition-lifetime');
    const pool = new TransportPool();
    // lifetime = ceil((exec + greeting + 3 × command + shutdown + 5 s slack) / 1 s) = 17 s
    const timeouts = { exec: 3_000, greeting: 3_000, command: 1_500, shutdown: 1_000 };
    try {
      const connection = sshd.connection({ name: 'partitioned', port: relay.port, knownHostsPath: undefined, hostKey: sshd.hostKeyLine });
      const launchedAt = Date.now();
      const probing = failureOf(probeHost({ connection, qemuBinary, timeouts }, { pool, cache: 'off' }));
      await qemuStarted(qemuBinary);
      await new Promise((r) => setTimeout(r, 900));
      relay.partition();
      const err = await probing;
      recordOutput('probe:partition-lifetime', err);
      // The partition holds and the client still has its connection: sshd keeps the session, so neither
      // pdeathsig nor the session's end can act; only the watchdog's lifetime ends QEMU.
      expect(await noQemuLeft(path.dirname(qemuBinary), launchedAt + 17_000 + 4_000 - Date.now())).toBe(true);
      const goneAfterMs = Date.now() - launchedAt;
      recordOutput('probe:partition-lifetime:ms', String(goneAfterMs));
      expect(goneAfterMs).toBeGreaterThanOrEqual(16_000);
    } finally {
      await pool.closeAll();
      await relay.close();
    }
  }, 40_000);

  it('[fleet-host-timeout] a host slower than hostTimeoutMs: TimeoutError in the stage it was in, its connection closed, QEMU gone; the next question dials again', async () => {
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'slow', 'host-timeout');
    const pool = new TransportPool();
    try {
      const started = Date.now();
      const err = await failureOf(probeHost({ connection: sshd.connection({ name: 'slow' }), qemuBinary }, { pool, cache: 'off', hostTimeoutMs: 1_500 }));
      const ms = Date.now() - started;
      recordOutput('probe:host-timeout', err);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err).toMatchObject({ host: 'slow', stage: expect.stringMatching(/^qmp-/), timeoutMs: 1_500 });
      expect(err.message).toMatch(/^slow: gave up after the host time limit of 1\.5 s \(qmp-\w+\): the host was still answering, but had not finished this stage\. Raise hostTimeout/);
      expect(ms).toBeGreaterThanOrEqual(1_450);
      expect(ms).toBeLessThan(5_000);
      // The closed connection is not handed out again.
      const fast = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'none', 'host-timeout-next');
      await expect(probeHost({ connection: sshd.connection({ name: 'slow' }), qemuBinary: fast }, { pool, cache: 'off', hostTimeoutMs: 30_000 })).resolves.toMatchObject({ host: 'slow' });
      expect(pool.opened).toBe(2);
    } finally {
      await pool.closeAll();
    }
    expect(await noQemuLeft(path.dirname(qemuBinary), 5_000)).toBe(true);
  });
});
