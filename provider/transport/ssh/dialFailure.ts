import type { HostKeyError } from '../../errors';

/** Why one dial attempt failed, in the terms retries and messages need. */
export type DialFailureKind =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'unreachable'
  | 'dns'
  | 'host-key'
  | 'auth'
  | 'protocol'
  | 'disconnected';

/**
 * How far a dial attempt got: waiting for the TCP connection, for the
 * server's SSH banner (its identification line), for the key exchange, or
 * for authentication to finish. A timeout names the phase it stopped in.
 */
export type DialPhase = 'tcp' | 'banner' | 'kex' | 'auth';

/** One failed dial attempt. */
export interface DialFailure {
  readonly kind: DialFailureKind;
  /**
   * Worth another attempt: only when the server closed or reset the
   * connection before the handshake finished, as sshd does beyond its
   * MaxStartups limit, or asked us to come back (too many connections).
   * A refused port, a timeout, an unreachable or unknown host, keys and
   * authentication are final: retrying them only delays the answer.
   */
  readonly retryable: boolean;
  /** Where the attempt was when it failed; set by the dialer. */
  readonly phase?: DialPhase;
  /** The underlying text, for the message; may come from the network, so it is redacted before use. */
  readonly detail?: string;
  readonly cause?: unknown;
  readonly hostKeyError?: HostKeyError;
}

const NET_CODES: Readonly<Record<string, DialFailureKind>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EAI_AGAIN: 'dns',
  ENOTFOUND: 'dns',
};

// RFC 4253 SSH_DISCONNECT_TOO_MANY_CONNECTIONS: the server asks us to come back later.
const DISCONNECT_TOO_MANY_CONNECTIONS = 12;

/** Classify an error ssh2 or the socket emitted before the connection was ready. */
export function classifyDialError(err: unknown, hostKeyError?: HostKeyError): DialFailure {
  if (hostKeyError) return { kind: 'host-key', retryable: false, hostKeyError, cause: err };
  const e = (err ?? {}) as { message?: string; code?: unknown; level?: string; reason?: unknown };
  const detail = typeof e.message === 'string' ? e.message : String(err);
  const base = { detail, cause: err };
  if (typeof e.code === 'string' && e.code in NET_CODES) {
    const kind = NET_CODES[e.code];
    return { ...base, kind, retryable: kind === 'reset' };
  }
  if (e.level === 'client-authentication') return { ...base, kind: 'auth', retryable: false };
  if (e.level === 'client-timeout') return { ...base, kind: 'timeout', retryable: false };
  // Boundary: ssh2's and the socket's own messages (external text), for the cases they give no code for.
  // sshd closes before its banner when over MaxStartups, or while starting.
  if (/lost before handshake/i.test(detail)) return { ...base, kind: 'reset', retryable: true };
  // A jump host's failure to open the forwarded channel: "(SSH) Channel open failure: Connection refused".
  if (/channel open failure/i.test(detail)) {
    if (/refused/i.test(detail)) return { ...base, kind: 'refused', retryable: false };
    if (/timed out/i.test(detail)) return { ...base, kind: 'timeout', retryable: false };
    if (/prohibited/i.test(detail) || e.reason === 1) return { ...base, kind: 'protocol', retryable: false };
    return { ...base, kind: 'unreachable', retryable: false };
  }
  if (typeof e.code === 'number') {
    if (/authentication/i.test(detail)) return { ...base, kind: 'auth', retryable: false };
    return { ...base, kind: 'disconnected', retryable: e.code === DISCONNECT_TOO_MANY_CONNECTIONS };
  }
  return { ...base, kind: 'protocol', retryable: false };
}
