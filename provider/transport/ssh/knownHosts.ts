import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseKeyFields, sameKey, type PublicKey } from './publicKey';

/** Which hosts a known_hosts line applies to. */
export type HostMatcher =
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] }
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer };

/** One usable line of a known_hosts file. */
export interface KnownHostsEntry {
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  readonly hosts: HostMatcher;
  readonly key: PublicKey;
  /** Where the line came from, for messages. */
  readonly source: string;
  readonly line: number;
}

/**
 * Parse known_hosts text: "[@marker] hosts keytype base64 [comment]".
 * Comments, blank lines, unknown markers and malformed lines are skipped, as
 * OpenSSH does.
 */
export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostsEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift();
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const hosts = parseHostField(fields[0]);
    const key = parseKeyFields(fields[1], fields[2]);
    if (hosts && key) entries.push({ marker, hosts, key, source, line: index + 1 });
  });
  return entries;
}

function parseHostField(field: string | undefined): HostMatcher | undefined {
  if (!field) return undefined;
  // Hashed entries (HashKnownHosts yes) are "|1|base64(salt)|base64(HMAC-SHA1(salt, name))".
  if (field.startsWith('|')) {
    const parts = field.split('|');
    if (parts.length !== 4 || parts[1] !== '1') return undefined;
    const salt = Buffer.from(parts[2], 'base64');
    const hash = Buffer.from(parts[3], 'base64');
    return salt.length === 20 && hash.length === 20 ? { kind: 'hashed', salt, hash } : undefined;
  }
  return { kind: 'patterns', patterns: field.split(',').filter(Boolean) };
}

/**
 * The name OpenSSH looks a host up by: the lower-cased host on port 22,
 * "[host]:port" on any other port.
 */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** The hashed form of a host name, as `ssh-keygen -H` writes it. */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** Does the entry apply to `name` (from {@link knownHostsName})? */
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  const { hosts } = entry;
  if (hosts.kind === 'hashed') {
    const hash = createHmac('sha1', hosts.salt).update(name).digest();
    return timingSafeEqual(hash, hosts.hash);
  }
  // A negated pattern that matches vetoes the line; otherwise one positive match suffices.
  let positive = false;
  for (const pattern of hosts.patterns) {
    const negated = pattern.startsWith('!');
    if (!wildcardMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** OpenSSH host patterns: `*` any run of characters, `?` exactly one, case-insensitive. */
function wildcardMatch(pattern: string, name: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(name);
}

/** What known_hosts says about a key a host offered. */
export type KnownHostsVerdict =
  | { readonly kind: 'trusted'; readonly entry: KnownHostsEntry }
  | { readonly kind: 'revoked'; readonly entry: KnownHostsEntry }
  /** Keys of the offered type are known for the host, and the offered key is not one of them. */
  | { readonly kind: 'changed'; readonly known: readonly KnownHostsEntry[] }
  /**
   * Nothing of this type is known; `otherTypes` lists the types that are, and
   * `certAuthorities` the @cert-authority lines for the host (which vouch
   * only for host certificates, and ssh2 negotiates none).
   */
  | { readonly kind: 'unknown'; readonly otherTypes: readonly string[]; readonly certAuthorities: readonly KnownHostsEntry[] };

/**
 * Judge an offered host key the way OpenSSH does: a matching @revoked line
 * wins over everything, then an exact key match trusts, then a different key
 * of the same type means the key changed. @cert-authority lines neither
 * trust nor make a key "changed" (ssh2 negotiates no host certificates);
 * an unknown verdict lists them, so the refusal can say why.
 */
export function checkKnownHosts(entries: readonly KnownHostsEntry[], name: string, offered: PublicKey): KnownHostsVerdict {
  const certAuthorities = entries.filter((e) => e.marker === 'cert-authority' && entryMatchesHost(e, name));
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && sameKey(e.key, offered));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const trusted = plain.find((e) => sameKey(e.key, offered));
  if (trusted) return { kind: 'trusted', entry: trusted };
  const sameType = plain.filter((e) => e.key.type === offered.type);
  if (sameType.length > 0) return { kind: 'changed', known: sameType };
  return { kind: 'unknown', otherTypes: [...new Set(plain.map((e) => e.key.type))], certAuthorities };
}

/** The key types known_hosts trusts for a host, in file order, for host-key algorithm preference. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], name: string): string[] {
  const types = entries.filter((e) => e.marker === undefined && entryMatchesHost(e, name)).map((e) => e.key.type);
  return [...new Set(types)];
}
