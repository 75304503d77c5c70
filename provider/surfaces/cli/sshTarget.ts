import { isIPv6 } from 'node:net';
import { ConfigError } from '../../errors';

/** The parts of a `[user@]host[:port]` argument; `[v6addr]:port` for IPv6. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

/**
 * An unbracketed IPv6 address whose last group could be a port: `::1:22`
 * is an address, and so is `::1`. (`fe80::1` is not ambiguous: `fe80:` is
 * no address.)
 */
function ambiguousIpv6Port(text: string): boolean {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  return m !== null && isIPv6(text) && isIPv6(m[1]);
}

/**
 * Split a command-line SSH target: `[user@]host[:port]`, IPv6 addresses in
 * brackets when a port follows (`root@[::1]:22`), as ssh and scp write them.
 * An unbracketed IPv6 address that could end in a port is refused, saying
 * how to write either meaning.
 * Validation of each part is the connection schema's job.
 */
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
  } else if (ambiguousIpv6Port(rest)) {
    const [, address, digits] = /^(.*):(\d+)$/.exec(rest)!;
    throw new ConfigError({
      what: `invalid SSH target ${JSON.stringify(text)}`,
      why: `${rest} is both the IPv6 address ${rest} and ${address} with port ${digits}`,
      hint: `Write [${address}]:${digits} for the port, or [${rest}] for the address.`,
    });
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new ConfigError({ what: `invalid SSH target ${JSON.stringify(text)}`, why: `port ${JSON.stringify(port)} is not a number`, hint: 'Write [user@]host[:port].' });
  }
  return { user: user || undefined, host, port: port === undefined ? undefined : Number(port) };
}
