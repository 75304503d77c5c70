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

/** One failed dial attempt. */
export interface DialFailure {
  readonly kind: DialFailureKind;
  /** Worth another attempt: the host may just be busy, starting or briefly unreachable. Never for keys or auth. */
  readonly retryable: boolean;
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
    return { ...base, kind, retryable: e.code !== 'ENOTFOUND' };
  }
  if (e.level === 'client-authentication') return { ...base, kind: 'auth', retryable: false };
  if (e.level === 'client-timeout') return { ...base, kind: 'timeout', retryable: true };
  // sshd closes before its banner when over MaxStartups, or while starting.
  if (/lost before handshake/i.test(detail)) return { ...base, kind: 'reset', retryable: true };
  // A jump host's failure to open the forwarded channel: "(SSH) Channel open failure: Connection refused".
  if (/channel open failure/i.test(detail)) {
    if (/refused/i.test(detail)) return { ...base, kind: 'refused', retryable: true };
    if (/timed out/i.test(detail)) return { ...base, kind: 'timeout', retryable: true };
    if (/prohibited/i.test(detail) || e.reason === 1) return { ...base, kind: 'protocol', retryable: false };
    return { ...base, kind: 'unreachable', retryable: true };
  }
  if (typeof e.code === 'number') {
    if (/authentication/i.test(detail)) return { ...base, kind: 'auth', retryable: false };
    return { ...base, kind: 'disconnected', retryable: e.code === DISCONNECT_TOO_MANY_CONNECTIONS };
  }
  return { ...base, kind: 'protocol', retryable: false };
}
