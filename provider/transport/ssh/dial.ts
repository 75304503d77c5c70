import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import type { HostKeyError } from '../../errors';
import { authHandler, type AuthPlan, type AuthProgress } from './auth';
import { classifyDialError, type DialFailure, type DialPhase } from './dialFailure';
import type { HostKeyPolicy } from './hostKeyPolicy';
import { Client } from './ssh2Client';

/** Everything needed to dial one hop. */
export interface HopPlan {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** perDialTimeout (the CLI's --connect-timeout) in milliseconds: TCP connect, SSH handshake and authentication together. */
  readonly timeoutMs: number;
  readonly dialErrorLimit: number;
  readonly auth: AuthPlan;
  readonly hostKeys: HostKeyPolicy;
}

/** The outcome of one dial attempt. */
export type DialResult =
  | {
      readonly ok: true;
      readonly client: Client;
      /** When bytes last arrived from the host (Date.now() time): data, channel traffic or keepalive replies. */
      readonly lastHeard: () => number;
    }
  | { readonly ok: false; readonly failure: DialFailure; readonly serverAllows?: readonly string[] };

/**
 * See the 'ready' handler: long enough for sshd to have written its post-authentication messages.
 * Measured on a 2-core VM against OpenSSH 9.2 (20 connections each): 3 ms stalled 12 of 20 channel
 * opens by 40 ms, 8 ms none; 12 ms leaves room for a busier host.
 */
const POST_AUTH_SETTLE_MS = 12;

/**
 * Keepalives notice a host that vanished without closing TCP (power loss, a
 * network partition): sent every interval, the connection is dropped after
 * COUNT_MAX + 1 intervals without a reply (20 s). They also make silence
 * meaningful: a live host answers one within the interval, so nothing heard
 * for two intervals means the host or the path to it stopped answering.
 */
const KEEPALIVE_INTERVAL_MS = 5_000;
const KEEPALIVE_COUNT_MAX = 3;
/** Nothing heard for this long, though keepalives asked twice: the host or the path to it stopped answering. */
export const HOST_SILENCE_MS = 2 * KEEPALIVE_INTERVAL_MS;

/**
 * One dial attempt: TCP connect (or use `sock`, a stream forwarded by a jump
 * host), SSH handshake with host-key verification, authentication. Never
 * rejects; a failed attempt is reported in the result, with the phase it
 * stopped in, and its client destroyed.
 */
export function dialOnce(plan: HopPlan, sock?: Duplex): Promise<DialResult> {
  return new Promise((resolve) => {
    const client = new Client();
    const progress: AuthProgress = {};
    let hostKeyError: HostKeyError | undefined;
    let settled = false;
    // A direct dial opens its own socket, so the phase is known: connected, and whether the server sent a byte.
    const socket = sock ? undefined : net.connect({ host: plan.host, port: plan.port });
    const stream: Duplex = sock ?? socket!;
    let phase: DialPhase = sock ? 'banner' : 'tcp';
    const phaseNow = (): DialPhase => (phase === 'banner' && socket !== undefined && socket.bytesRead > 0 ? 'kex' : phase);
    // ssh2 listens too, and reports errors as the client's; this one only keeps a late error from crashing the process.
    socket?.on('error', () => undefined);
    socket?.once('connect', () => {
      if (phase === 'tcp') phase = 'banner';
    });
    client.once('handshake', () => {
      phase = 'auth';
    });

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok: false, failure: { ...classifyDialError(err, hostKeyError), phase: phaseNow() }, serverAllows: progress.serverAllows });
      client.destroy();
      stream.destroy();
    };
    // ssh2's readyTimeout covers the same span; this also bounds a forwarded stream that never opens.
    const timer = setTimeout(() => fail(Object.assign(new Error('dial timed out'), { level: 'client-timeout' })), plan.timeoutMs);

    // Stays attached for the client's life: an 'error' without a listener would crash the process.
    client.on('error', fail);
    client.once('close', () => fail(new Error('Connection lost before handshake')));
    client.once('ready', () => {
      if (settled) return;
      clearTimeout(timer);
      // sshd keeps Nagle on for non-pty sessions. Right after USERAUTH_SUCCESS its post-auth process
      // writes hostkeys-00 and the key's options as two DEBUG messages; while USERAUTH_SUCCESS is
      // unacknowledged they wait, and this end (nothing to send) acknowledges only at its delayed-ACK
      // timer, 40 ms on Linux. A channel open sent before sshd has written them lets hostkeys-00 go
      // alone and the DEBUG messages after it, which this end never answers: the channel confirmation
      // then waits 40 ms behind them. Sent after they are written, the open acknowledges
      // USERAUTH_SUCCESS, they leave as one segment, ssh2's hostkeys-prove acknowledges that, and the
      // confirmation leaves at once. sshd writes them about 9 ms after USERAUTH_SUCCESS on a small VM.
      setTimeout(() => {
        if (settled) return;
        settled = true;
        // ssh2 reads the stream with its own listener, attached long before 'ready'; this one only notes the time.
        let heard = Date.now();
        stream.on('data', () => {
          heard = Date.now();
        });
        resolve({ ok: true, client, lastHeard: () => heard });
      }, POST_AUTH_SETTLE_MS);
    });

    const preferred = [...plan.hostKeys.preferredAlgorithms] as ServerHostKeyAlgorithm[];
    const config: ConnectConfig = {
      host: plan.host,
      port: plan.port,
      sock: stream,
      username: plan.auth.username,
      authHandler: authHandler(plan.auth, progress),
      readyTimeout: plan.timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        hostKeyError = plan.hostKeys.check(key);
        verify(hostKeyError === undefined);
      },
      // Listed in this order, "remove" then "prepend" moves the known key types to the front.
      algorithms: preferred.length > 0 ? { serverHostKey: { remove: preferred, prepend: preferred, append: [] } } : undefined,
    };
    try {
      client.connect(config);
      // From the first byte: with Nagle on, the client's back-to-back handshake messages wait on sshd's
      // delayed ACK (40 ms, about 40% of a loopback handshake). A forwarded stream (jump host) has no socket options.
      socket?.setNoDelay(true);
    } catch (err) {
      fail(err);
    }
  });
}
