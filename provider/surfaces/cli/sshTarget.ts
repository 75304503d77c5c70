import { ConfigError } from '../../errors';

/** The parts of a `[user@]host[:port]` argument; `[v6addr]:port` for IPv6. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

/** Split a command-line SSH target. Validation of each part is the connection schema's job. */
export function parseSshTarget(text: string): SshTarget {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  // user:password@host: never echo it (CI logs keep what the CLI prints), and say where passwords go.
  if (user?.includes(':')) {
    throw new ConfigError({ what: 'invalid SSH target: it holds a password (user:password@host)', hint: 'Give the password in QEMU_CPU_SSH_PASSWORD, never on the command line; write [user@]host[:port].' });
  }
  const rest = at >= 0 ? text.slice(at + 1) : text;
  let host = rest;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2];
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, port] = rest.split(':');
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new ConfigError({ what: `invalid SSH target ${JSON.stringify(text)}`, why: `port ${JSON.stringify(port)} is not a number`, hint: 'Write [user@]host[:port].' });
  }
  return { user: user || undefined, host, port: port === undefined ? undefined : Number(port) };
}
