import { AuthenticationError, ConnectionError, type QemuCpuError, type Stage } from '../../errors';
import type { DialFailure, DialPhase } from './dialFailure';
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
  // IPv6 addresses in brackets, as ssh writes them: ::1:22 is an address, [::1]:22 one with a port.
  const where = `${ctx.host.includes(':') ? `[${ctx.host}]` : ctx.host}:${ctx.port}${ctx.via ? ` through jump host ${ctx.via}` : ''}`;
  const after = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  const reasons: Record<Exclude<DialFailure['kind'], 'auth' | 'host-key'>, { why: string; hint: string }> = {
    refused: {
      why: 'connection refused',
      hint: `Check that sshd is running and listening on port ${ctx.port} and that no firewall rejects the connection.`,
    },
    timeout: timeoutReason(failure.phase ?? 'tcp', ctx),
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
  const stage = failure.kind === 'timeout' ? TIMEOUT_STAGE[failure.phase ?? 'tcp'] : 'connect';
  return new ConnectionError({ host: ctx.label, stage, what: `could not connect to ${where}${after}`, why, hint, cause: failure.cause });
}

/** The stage a dial timeout is reported in: the one that did not finish. */
const TIMEOUT_STAGE: Readonly<Record<DialPhase, Stage>> = { tcp: 'connect', banner: 'ssh-banner', kex: 'ssh-banner', auth: 'auth' };

/** Why a dial timed out and what to do, by the phase it stopped in. */
function timeoutReason(phase: DialPhase, ctx: DialContext): { why: string; hint: string } {
  const limit = `${ctx.timeoutSeconds}s (perDialTimeout)`;
  const raise = 'on a slow link raise perDialTimeout (the CLI\'s --connect-timeout)';
  switch (phase) {
    case 'tcp':
      return {
        why: ctx.via ? `the jump host opened no connection to it within ${limit}` : `no TCP connection within ${limit}`,
        hint: `The host is down or a firewall drops packets to port ${ctx.port}; check the address and the network path, or ${raise}.`,
      };
    case 'banner':
      return {
        why: `the port accepted TCP but sent no SSH banner within ${limit}`,
        hint: `Check that port ${ctx.port} is an SSH server and that its sshd is not stalled (its log: journalctl -u ssh), or ${raise}.`,
      };
    case 'kex':
      return {
        why: `the SSH key exchange did not finish within ${limit}`,
        hint: `The server sent its banner but stalled; see its sshd log (journalctl -u ssh), or ${raise}.`,
      };
    case 'auth':
      return {
        why: `authentication did not finish within ${limit}`,
        hint: `The server is slow to log in (PAM, LDAP or a reverse DNS lookup, UseDNS); see its sshd log, or ${raise}.`,
      };
  }
}

function authError(failure: DialFailure, ctx: DialContext): AuthenticationError {
  const tried = ctx.offered.length > 0 ? `tried ${ctx.offered.join(', ')}` : 'no credentials were configured';
  const accepts = ctx.serverAllows ? `; the server accepts ${ctx.serverAllows.join(', ') || 'nothing'}` : '';
  const hint = ctx.offered.length === 0 ? 'Set privateKey, privateKeyPath or password, or run an ssh-agent (SSH_AUTH_SOCK).' : authHint(ctx);
  return new AuthenticationError({
    host: ctx.label,
    what: `the host refused user ${ctx.username}`,
    why: `${tried}${accepts}`,
    hint,
    cause: failure.cause,
  });
}

/** What to check, by the methods that were tried: a key belongs in authorized_keys, a password must be right and accepted. */
function authHint(ctx: DialContext): string {
  const checks = ['the user name'];
  if (ctx.offered.includes('publickey') || ctx.offered.includes('agent')) checks.push(`that the public key is in ~${ctx.username}/.ssh/authorized_keys on the host`);
  if (ctx.offered.includes('password')) {
    const acceptsPasswords = ctx.serverAllows === undefined || ctx.serverAllows.some((m) => m === 'password' || m === 'keyboard-interactive');
    checks.push(acceptsPasswords ? 'the password' : 'that the server accepts passwords at all (PasswordAuthentication in its sshd_config)');
  }
  return `Check ${checks.slice(0, -1).join(', ')}${checks.length > 1 ? ' and ' : ''}${checks[checks.length - 1]}.`;
}
