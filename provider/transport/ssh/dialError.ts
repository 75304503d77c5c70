import { AuthenticationError, ConnectionError, type QemuCpuError } from '../../errors';
import type { DialFailure } from './dialFailure';
import { redact } from './redact';

/** What a dial failure message needs to know about the attempt. */
export interface DialContext {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Auth methods offered ("publickey", "agent", "password"). */
  readonly offered: readonly string[];
  /** Auth methods the server said it accepts, when it said so. */
  readonly serverAllows?: readonly string[];
  readonly timeoutSeconds: number;
  readonly attempts: number;
  /** The jump host's label, when connecting through one. */
  readonly via?: string;
  /** Values that must never appear in a message. */
  readonly secrets: readonly (string | undefined)[];
}

/** Turn the last failure of a dial into the error the caller sees. */
export function dialError(failure: DialFailure, ctx: DialContext): QemuCpuError {
  if (failure.hostKeyError) return failure.hostKeyError;
  const detail = failure.detail === undefined ? undefined : redact(failure.detail, ctx.secrets);
  if (failure.kind === 'auth') return authError(failure, ctx);
  const where = `${ctx.host}:${ctx.port}${ctx.via ? ` through jump host ${ctx.via}` : ''}`;
  const after = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  const reasons: Record<Exclude<DialFailure['kind'], 'auth' | 'host-key'>, { why: string; hint: string }> = {
    refused: {
      why: 'connection refused',
      hint: `Check that sshd is running and listening on port ${ctx.port} and that no firewall rejects the connection.`,
    },
    timeout: {
      why: `timed out after ${ctx.timeoutSeconds}s (perDialTimeout) without completing the SSH handshake`,
      hint: `Check that the host is up and that port ${ctx.port} reaches an SSH server; on a slow link raise perDialTimeout.`,
    },
    reset: {
      why: 'connection reset before the SSH handshake finished',
      hint: 'sshd drops connections beyond its MaxStartups limit of unauthenticated ones, and TCP wrappers or firewalls drop them too; retry later or raise dialErrorLimit.',
    },
    unreachable: { why: `host unreachable${detail ? ` (${detail})` : ''}`, hint: 'Check the address, routing and any VPN.' },
    dns: { why: `${ctx.host} does not resolve${detail ? ` (${detail})` : ''}`, hint: 'Check the host name.' },
    protocol: { why: `SSH handshake failed: ${detail ?? 'unknown error'}`, hint: 'The server and ssh2 may share no algorithm, or this is not an SSH server.' },
    disconnected: { why: `the host closed the connection: ${detail ?? 'no reason given'}`, hint: 'See the host\'s sshd log (journalctl -u ssh).' },
  };
  const { why, hint } = reasons[failure.kind === 'host-key' ? 'protocol' : failure.kind];
  return new ConnectionError({ host: ctx.label, stage: 'connect', what: `could not connect to ${where}${after}`, why, hint, cause: failure.cause });
}

function authError(failure: DialFailure, ctx: DialContext): AuthenticationError {
  const tried = ctx.offered.length > 0 ? `tried ${ctx.offered.join(', ')}` : 'no credentials were configured';
  const accepts = ctx.serverAllows ? `; the server accepts ${ctx.serverAllows.join(', ') || 'nothing'}` : '';
  const hint =
    ctx.offered.length === 0
      ? 'Set privateKey, privateKeyPath or password, or run an ssh-agent (SSH_AUTH_SOCK).'
      : `Check the user name, and that the public key is in ~${ctx.username}/.ssh/authorized_keys on the host.`;
  return new AuthenticationError({
    host: ctx.label,
    what: `the host refused user ${ctx.username}`,
    why: `${tried}${accepts}`,
    hint,
    cause: failure.cause,
  });
}
