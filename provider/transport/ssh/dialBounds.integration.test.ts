/**
 * Bounded dials (docs/reliability.md, "Faults from SSH"): a dead host is
 * reported within one perDialTimeout, with the stage that did not finish,
 * and only sshd's MaxStartups drops are retried. Real loopback sockets: a
 * refused port, a listener that never sends a banner, a port whose SYNs go
 * unanswered; and a real sshd whose key lookup stalls.
 */
import { ConnectionError, type QemuCpuError } from '../../errors';
import { blackhole, refusedPort, silentListener } from '../../../test/support/deadPorts';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { generateKeyPair, startSshd } from '../../../harness/sshd';
import type { ConnectionInput } from '../connectionSchema';
import { SshTransport } from './sshTransport';

/** Connect and expect failure; the error, how long it took and the dial log. */
async function dialFailure(connection: ConnectionInput): Promise<{ err: QemuCpuError; ms: number; log: string[] }> {
  const log: string[] = [];
  const started = Date.now();
  const err = await SshTransport.connect(connection, { logger: { debug: (m) => log.push(m) }, onWarning: () => undefined }).then(
    async (t) => {
      await t.close();
      throw new Error('connected although it should have failed');
    },
    (e: unknown) => e as QemuCpuError,
  );
  recordOutput('dial:bounds', err);
  expect(err).toBeInstanceOf(ConnectionError);
  return { err, ms: Date.now() - started, log };
}

// No host key to verify: none of these hosts gets as far as sending one.
const target = (port: number, extra: Partial<ConnectionInput> = {}): ConnectionInput => ({ host: '127.0.0.1', port, insecureSkipHostKeyVerification: true, password: 'x', ...extra });

describe('bounded dials', () => {
  it('[ssh-blackhole] a host whose packets are dropped: ConnectionError (connect) at perDialTimeout, one attempt', async () => {
    const hole = await blackhole();
    try {
      const { err, ms, log } = await dialFailure(target(hole.port, { perDialTimeout: 1 }));
      expect(err).toMatchObject({ stage: 'connect', host: `127.0.0.1:${hole.port}` });
      expect(err.message).toMatch(/\(connect\): no TCP connection within 1s \(perDialTimeout\)\. The host is down or a firewall drops packets/);
      expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(2_500);
    } finally {
      await hole.close();
    }
  });

  it('[ssh-default-bounds] with default settings a dead host is reported within 30 s: blackholed, banner-less, refused', async () => {
    const [hole, silent, refused] = await Promise.all([blackhole(), silentListener(), refusedPort()]);
    try {
      const [h, s, r] = await Promise.all([dialFailure(target(hole.port)), dialFailure(target(silent.port)), dialFailure(target(refused))]);
      expect(h.err.stage).toBe('connect');
      expect(s.err.stage).toBe('ssh-banner');
      expect(r.err.why).toBe('connection refused');
      for (const { ms, log } of [h, s, r]) {
        expect(ms).toBeLessThan(30_000);
        expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
      }
      expect(r.ms).toBeLessThan(1_000);
      // One dial attempt: the listener accepted one connection.
      expect(silent.accepted()).toBe(1);
      recordOutput('dial:bounds:ms', JSON.stringify({ blackhole: h.ms, banner: s.ms, refused: r.ms }));
    } finally {
      await Promise.all([hole.close(), silent.close()]);
    }
  }, 40_000);
});

describe('a server that stalls in authentication', () => {
  it('[ssh-auth-stall] sshd takes longer than perDialTimeout to look up the key: ConnectionError (auth), one attempt', async () => {
    // sshd asks AuthorizedKeysCommand about a key its file lacks; this command answers after 30 s.
    const sshd = await startSshd({ extraConfig: ['AuthorizedKeysCommand /bin/sleep 30', 'AuthorizedKeysCommandUser root'] });
    try {
      const stranger = await generateKeyPair();
      registerSecret(stranger.privateKey);
      const { err, ms, log } = await dialFailure(sshd.connection({ privateKey: stranger.privateKey, perDialTimeout: 2 }));
      expect(err).toMatchObject({ stage: 'auth', host: `127.0.0.1:${sshd.port}` });
      expect(err.message).toMatch(/\(auth\): authentication did not finish within 2s \(perDialTimeout\)\. The server is slow to log in/);
      expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
      expect(ms).toBeLessThan(4_500);
    } finally {
      await sshd.stop();
    }
  });
});
