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
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._@:\/-]+$/, 'may hold only letters, digits and . _ @ : / -')
    .optional()
    .describe('A name for this host in reports and errors. Default: host[:port].'),
  host: hostField.describe('The host to connect to: a DNS name or an IP address.'),
  port: z.number().int().min(1).max(65535).default(22).describe('The SSH port.'),
  user: z.string().regex(USERNAME_PATTERN, 'must be a POSIX user name').optional().describe('The user to log in as. Default: the current user.'),
  password: z.string().optional().describe('The password, for password or keyboard-interactive authentication. Secret.'),
  privateKey: z.string().optional().describe('The text of a private key (OpenSSH or PEM). Secret.'),
  privateKeyPath: z.string().min(1).optional().describe('The path of a private key file on the machine running qemu-cpu.'),
  privateKeyPassword: z.string().optional().describe("The private key's passphrase. Secret."),
  agentSocketPath: z.string().min(1).optional().describe('The SSH agent socket. Default: SSH_AUTH_SOCK.'),
  hostKey: z
    .string()
    .min(1)
    .optional()
    .describe('The expected host key: an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint. Default: verify against known_hosts.'),
  knownHostsPath: z.string().min(1).optional().describe('The known_hosts file that verifies the host key. Default: ~/.ssh/known_hosts.'),
  perDialTimeout: z.number().int().min(1).max(3600).default(15).describe('Seconds to wait for each dial (TCP connect and SSH handshake).'),
  dialErrorLimit: z.number().int().min(-1).max(1000).default(10).describe('Dial attempts before giving up, with backoff between them; -1 for no limit.'),
  insecureSkipHostKeyVerification: z
    .boolean()
    .default(false)
    .describe('Accept any host key. This removes the protection against a man in the middle; for throwaway labs only, and warned about on every use.'),
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
    proxy: ProxyConnectionSchema.optional().describe('A jump host to connect through (ssh -J), with the same fields.'),
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
