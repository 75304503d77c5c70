import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

/** A loopback port nothing listens on: bound, then closed, so connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback listener that accepts TCP and never sends a byte (no SSH banner); counts what it accepted. */
export interface SilentListener {
  readonly port: number;
  /** Connections accepted so far: one per dial attempt. */
  readonly accepted: () => number;
  close(): Promise<void>;
}

export async function silentListener(): Promise<SilentListener> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    sockets.push(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => sockets.length,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A loopback port where a TCP connect never completes, as for a host whose packets are dropped. */
export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

// A listener whose process never runs its event loop again: the kernel completes handshakes until the
// accept queue (backlog 1: two connections) is full, then drops every further SYN without an answer.
const NEVER_ACCEPTS = `const s = require('net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
});`;

/**
 * A blackholed port on loopback without firewall rules: a listener that
 * never accepts, with its accept queue filled. A connect to it sends SYNs
 * that are never answered until the client gives up.
 */
export async function blackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn(process.execPath, ['-e', NEVER_ACCEPTS], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  // Never keeps the test process alive, even when a failing test skips close().
  child.stdout!.destroy();
  child.unref();
  // Fill the accept queue; each filler either completes its handshake (queued, never accepted) or hangs.
  const fillers = [0, 1, 2].map(() => net.connect(port, '127.0.0.1').on('error', () => undefined));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    port,
    close: async () => {
      fillers.forEach((s) => s.destroy());
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
