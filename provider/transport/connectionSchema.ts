import { z } from 'zod';

/** A DNS name, IPv4 address or bare IPv6 address. Nothing a shell or ssh option parser could misread. */
export const HOSTNAME_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;
/** POSIX-portable user names (plus the dot, common on real systems). */
export const USERNAME_PATTERN = /^[A-Za-z_][A-Za-z0-9._-]{0,63}$/;

const hostField = z
  .string()
  .min(1)
  .max(253)
  .regex(HOSTNAME_PATTERN, 'must be a DNS name or an IP address');

const baseConnection = z.object({
  /** A name for reports; defaults to host[:port]. */
  name: z.string().min(1).max(128).regex(/^[A-Za-z0-9._@:\/-]+$/, 'may hold only letters, digits and . _ @ : / -').optional(),
  host: hostField,
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(USERNAME_PATTERN, 'must be a POSIX user name').optional(),
  password: z.string().optional(),
  privateKey: z.string().optional(),
  privateKeyPath: z.string().min(1).optional(),
  privateKeyPassword: z.string().optional(),
  /** Defaults to SSH_AUTH_SOCK. */
  agentSocketPath: z.string().min(1).optional(),
  /** The expected host key: an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint. */
  hostKey: z.string().min(1).optional(),
  /** Defaults to ~/.ssh/known_hosts. */
  knownHostsPath: z.string().min(1).optional(),
  /** Seconds to wait for each dial (TCP connect + SSH handshake), as in @pulumi/command. */
  perDialTimeout: z.number().int().min(1).max(3600).default(15),
  /** How many dial attempts before giving up, as in @pulumi/command; -1 for no limit. */
  dialErrorLimit: z.number().int().min(-1).max(1000).default(10),
  /**
   * Accept any host key. This disables the protection against a man in the
   * middle; it exists for throwaway labs only and is reported on every use.
   */
  insecureSkipHostKeyVerification: z.boolean().default(false),
});

/** The fields of a jump host: the same as a connection's, without a further proxy. */
export const ProxyConnectionSchema = baseConnection.strict();

/**
 * An SSH connection, with the field names of @pulumi/command's remote
 * connection plus privateKeyPath, knownHostsPath and the explicit opt-out from
 * host-key verification.
 */
export const ConnectionSchema = baseConnection
  .extend({
    /** A jump host to connect through (ssh -J). */
    proxy: ProxyConnectionSchema.optional(),
  })
  .strict();

export type Connection = z.infer<typeof ConnectionSchema>;
export type ConnectionInput = z.input<typeof ConnectionSchema>;
export type ProxyConnection = z.infer<typeof ProxyConnectionSchema>;

/** The secret fields of a connection: never logged, never in plaintext state. */
export const SECRET_CONNECTION_FIELDS = ['password', 'privateKey', 'privateKeyPassword'] as const;

/** The label used in messages and reports for a connection. */
export function connectionLabel(c: Pick<Connection, 'name' | 'host' | 'port'>): string {
  if (c.name) return c.name;
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return c.port === 22 ? host : `${host}:${c.port}`;
}
