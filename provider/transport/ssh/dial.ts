import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import type { HostKeyError } from '../../errors';
import { authHandler, type AuthPlan, type AuthProgress } from './auth';
import { classifyDialError, type DialFailure } from './dialFailure';
import type { HostKeyPolicy } from './hostKeyPolicy';

/** Everything needed to dial one hop. */
export interface HopPlan {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  /** perDialTimeout in milliseconds: TCP connect, SSH handshake and authentication together. */
  readonly timeoutMs: number;
  readonly dialErrorLimit: number;
  readonly auth: AuthPlan;
  readonly hostKeys: HostKeyPolicy;
}

/** The outcome of one dial attempt. */
export type DialResult =
  | { readonly ok: true; readonly client: Client }
  | { readonly ok: false; readonly failure: DialFailure; readonly serverAllows?: readonly string[] };

/** See the 'ready' handler: long enough for sshd's post-authentication messages to arrive on loopback and on a LAN. */
const POST_AUTH_SETTLE_MS = 3;

// Keepalives notice a host that vanished without closing TCP (power loss, network cut).
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;

/**
 * One dial attempt: TCP connect (or use `sock`, a stream forwarded by a jump
 * host), SSH handshake with host-key verification, authentication. Never
 * rejects; a failed attempt is reported in the result and its client destroyed.
 */
export function dialOnce(plan: HopPlan, sock?: Duplex): Promise<DialResult> {
  return new Promise((resolve) => {
    const client = new Client();
    const progress: AuthProgress = {};
    let hostKeyError: HostKeyError | undefined;
    let settled = false;

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok: false, failure: classifyDialError(err, hostKeyError), serverAllows: progress.serverAllows });
      client.destroy();
      sock?.destroy();
    };
    // ssh2's readyTimeout covers the same span; this also bounds a forwarded stream that never opens.
    const timer = setTimeout(() => fail(Object.assign(new Error('dial timed out'), { level: 'client-timeout' })), plan.timeoutMs);

    // Stays attached for the client's life: an 'error' without a listener would crash the process.
    client.on('error', fail);
    client.once('close', () => fail(new Error('Connection lost before handshake')));
    client.once('ready', () => {
      if (settled) return;
      clearTimeout(timer);
      // ssh2 leaves Nagle on; small request/reply exchanges (channel open, exec) would wait on delayed ACKs.
      client.setNoDelay(true);
      // sshd keeps Nagle on for non-pty sessions, and right after accepting the key it sends small
      // messages of its own (hostkeys-00, the key's options as remote debug lines). A channel open sent
      // before they leave makes sshd queue its confirmation behind them until this end's delayed ACK
      // (40 ms on Linux), on about half of all connections. Opened a moment later, the channel open
      // itself acknowledges them and the confirmation leaves at once.
      setTimeout(() => {
        if (settled) return;
        settled = true;
        resolve({ ok: true, client });
      }, POST_AUTH_SETTLE_MS);
    });

    const preferred = [...plan.hostKeys.preferredAlgorithms] as ServerHostKeyAlgorithm[];
    const config: ConnectConfig = {
      host: plan.host,
      port: plan.port,
      sock,
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
    } catch (err) {
      fail(err);
    }
  });
}
