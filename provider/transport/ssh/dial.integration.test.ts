import * as net from 'node:net';
import { ConnectionError, DisconnectedError, HostKeyError, QemuCpuError } from '../../errors';
import { generateKeyPair, proxyChain, startSshd, type SshdChain } from '../../../harness/sshd';
import { collectOutput, runToEnd } from '../../../test/support/sshdOutput';
import type { ConnectionInput } from '../connectionSchema';
import { SshTransport } from './sshTransport';

let chain: SshdChain;

beforeAll(async () => {
  chain = await proxyChain();
});

afterAll(async () => {
  await chain?.stop();
});

async function failure(connection: ConnectionInput, log: string[] = []): Promise<QemuCpuError> {
  const err = await SshTransport.connect(connection, { logger: { debug: (m) => log.push(m) } }).then(
    async (t) => {
      await t.close();
      throw new Error('connected although it should have failed');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QemuCpuError);
  return err as QemuCpuError;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dialing', () => {
  it('fails a refused connection at once with ConnectionError (connect), without retrying it', async () => {
    const port = await closedPort();
    const log: string[] = [];
    const started = Date.now();
    const err = await failure(chain.target.connection({ port, dialErrorLimit: 3 }), log);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.stage).toBe('connect');
    expect(err.message).toContain(`127.0.0.1:${port}: could not connect to 127.0.0.1:${port} (connect)`);
    expect(err.why).toBe('connection refused');
    expect(err.hint).toMatch(/sshd is running/);
    expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('times out on a listener that accepts TCP but never speaks SSH (perDialTimeout)', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const started = Date.now();
      const err = await failure(chain.target.connection({ port, perDialTimeout: 1, dialErrorLimit: 3 }));
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.stage).toBe('ssh-banner');
      expect(err.message).toMatch(/sent no SSH banner within 1s \(perDialTimeout\)/);
      expect(sockets).toHaveLength(1);
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("retries while sshd drops connections beyond MaxStartups", async () => {
    const busy = await startSshd({ maxStartups: 1 });
    // An unauthenticated connection that never speaks holds sshd's only startup slot.
    const hog = net.connect(busy.port, '127.0.0.1');
    hog.on('error', () => undefined);
    await new Promise((resolve) => hog.once('data', resolve));
    try {
      const log: string[] = [];
      setTimeout(() => hog.destroy(), 300);
      const transport = await SshTransport.connect(busy.connection({ dialErrorLimit: 10 }), { logger: { debug: (m) => log.push(m) } });
      await transport.close();
      expect(log.filter((m) => /failed \(reset\); retrying/.test(m)).length).toBeGreaterThanOrEqual(1);
      expect(busy.logs()).toMatch(/MaxStartups|drop connection/i);
    } finally {
      hog.destroy();
      await busy.stop();
    }
  });

  it('connects through a jump host, and close() closes both connections', async () => {
    const transport = await SshTransport.connect(chain.connection());
    const out = await runToEnd(transport, ['sh', '-c', 'echo "$SSH_CONNECTION"']);
    // The target sees the connection arrive from the jump host, on its own port.
    expect(out.stdout.trim()).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${chain.target.port}$`));
    expect(chain.jump.logs()).toMatch(new RegExp(`direct_tcpip: originator .*, target 127\\.0\\.0\\.1 port ${chain.target.port}`));
    await transport.close();
    await waitFor(() => /Disconnected from user/.test(chain.jump.logs()) && /Disconnected from user/.test(chain.target.logs()));
  });

  it('verifies the jump host and the target each against their own key', async () => {
    const other = await generateKeyPair();
    const badTarget = await failure(chain.connection({ hostKey: other.publicKeyLine }));
    expect(badTarget).toBeInstanceOf(HostKeyError);
    expect(badTarget.host).toBe(`127.0.0.1:${chain.target.port}`);
    expect(badTarget.message).toContain(chain.target.hostKeyFingerprint);

    const badJump = await failure(chain.connection({ proxy: chain.jump.connection({ hostKey: other.fingerprint }) }));
    expect(badJump).toBeInstanceOf(HostKeyError);
    expect(badJump.host).toBe(`127.0.0.1:${chain.jump.port}`);
    expect(badJump.message).toContain(chain.jump.hostKeyFingerprint);
  });

  it('reports a target the jump host cannot reach as refused through the jump host', async () => {
    const port = await closedPort();
    const err = await failure(chain.connection({ port, dialErrorLimit: 2 }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(`through jump host 127.0.0.1:${chain.jump.port} (connect)`);
    expect(err.why).toBe('connection refused');
  });

  it('settles running processes promptly when sshd is SIGKILLed', async () => {
    const doomed = await startSshd();
    try {
      const transport = await SshTransport.connect(doomed.connection());
      const proc = await transport.spawn(['sleep', '30']);
      const output = collectOutput(proc);
      await doomed.kill();
      const killedAt = Date.now();
      await expect(output).resolves.toMatchObject({ status: { code: null } });
      expect(Date.now() - killedAt).toBeLessThan(2000);
      expect(transport.connected).toBe(false);
      await expect(transport.spawn(['true'])).rejects.toBeInstanceOf(DisconnectedError);
      await transport.close();
    } finally {
      await doomed.stop();
    }
  });
});
