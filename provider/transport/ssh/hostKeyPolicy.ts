import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, HostKeyError } from '../../errors';
import { homeDir } from '../homeDir';
import { expandHome } from './expandHome';
import { checkKnownHosts, knownHostsName, knownKeyTypes, parseKnownHosts, type KnownHostsEntry } from './knownHosts';
import { parsePublicKeyLine, parseSha256Fingerprint, publicKeyFromBlob, sameKey, sha256Fingerprint } from './publicKey';

/** The connection fields host-key verification looks at. */
export interface HostKeyTarget {
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly hostKey?: string;
  readonly knownHostsPath?: string;
  readonly insecureSkipHostKeyVerification: boolean;
}

/** How one hop's host key is judged. */
export interface HostKeyPolicy {
  /** Judge the key blob the host offered: undefined when accepted, else the error to fail with. */
  check(blob: Buffer): HostKeyError | undefined;
  /** Host-key algorithms to offer before ssh2's defaults, so the host presents a key type we know. */
  readonly preferredAlgorithms: readonly string[];
}

/** Signature algorithms ssh2 can use for each key type. */
const ALGORITHMS_FOR_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

function algorithmsFor(types: readonly string[]): string[] {
  return types.flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? []);
}

/**
 * Build the host-key policy of one hop: the configured hostKey, else
 * known_hosts, else (only when explicitly asked) accept anything with a
 * warning on every connection.
 */
export async function loadHostKeyPolicy(target: HostKeyTarget, onWarning: (message: string) => void): Promise<HostKeyPolicy> {
  if (target.insecureSkipHostKeyVerification) return insecurePolicy(target, onWarning);
  if (target.hostKey !== undefined) return pinnedPolicy(target, target.hostKey);
  return knownHostsPolicy(target, await loadKnownHosts(target));
}

function insecurePolicy(target: HostKeyTarget, onWarning: (message: string) => void): HostKeyPolicy {
  return {
    preferredAlgorithms: [],
    check(blob) {
      const key = publicKeyFromBlob(blob);
      const fingerprint = sha256Fingerprint(blob);
      onWarning(
        `WARNING: host-key verification is DISABLED for ${target.label} (insecureSkipHostKeyVerification): ` +
          `accepted its ${key.type} key ${fingerprint} without checking it. Anyone between here and the host ` +
          `can impersonate it and read everything sent. Set hostKey: "${fingerprint}" (after checking it on the host) instead.`,
      );
      return undefined;
    },
  };
}

function pinnedPolicy(target: HostKeyTarget, hostKey: string): HostKeyPolicy {
  const key = parsePublicKeyLine(hostKey);
  const expected = key ? sha256Fingerprint(key.blob) : parseSha256Fingerprint(hostKey);
  if (expected === undefined) {
    throw new ConfigError({
      host: target.label,
      what: 'hostKey is not usable',
      why: 'it must be an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint',
      hint: `Get it with: ssh-keyscan ${keyscanArgs(target)} | ssh-keygen -lf -`,
    });
  }
  return {
    preferredAlgorithms: key ? algorithmsFor([key.type]) : [],
    check(blob) {
      const offered = publicKeyFromBlob(blob);
      if (key ? sameKey(key, offered) : sha256Fingerprint(blob) === expected) return undefined;
      return new HostKeyError({
        host: target.label,
        fingerprint: sha256Fingerprint(blob),
        what: `refused the host key of ${target.label}: it differs from the configured hostKey`,
        why: `expected ${expected}, the host offered ${offered.type} ${sha256Fingerprint(blob)}; this could be a man-in-the-middle attack`,
        hint: 'Do not connect until you have checked the key on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); if it was legitimately replaced, update hostKey.',
      });
    },
  };
}

interface LoadedKnownHosts {
  readonly entries: KnownHostsEntry[];
  /** The files consulted, for messages. */
  readonly files: string[];
  /** Consulted files that do not exist. */
  readonly missing: string[];
}

function knownHostsFiles(target: HostKeyTarget): string[] {
  if (target.knownHostsPath) return [expandHome(target.knownHostsPath)];
  // OpenSSH's defaults: the user's file, then the system-wide one.
  return [path.join(homeDir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

async function loadKnownHosts(target: HostKeyTarget): Promise<LoadedKnownHosts> {
  const files = knownHostsFiles(target);
  const entries: KnownHostsEntry[] = [];
  const missing: string[] = [];
  for (const file of files) {
    try {
      entries.push(...parseKnownHosts(await fs.readFile(file, 'utf8'), file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') missing.push(file);
      else if (target.knownHostsPath) {
        throw new ConfigError({ host: target.label, what: `cannot read knownHostsPath ${file}`, why: (err as Error).message, cause: err });
      }
    }
  }
  return { entries, files, missing };
}

function knownHostsPolicy(target: HostKeyTarget, known: LoadedKnownHosts): HostKeyPolicy {
  const name = knownHostsName(target.host, target.port);
  return {
    preferredAlgorithms: algorithmsFor(knownKeyTypes(known.entries, name)),
    check(blob) {
      const offered = publicKeyFromBlob(blob);
      const verdict = checkKnownHosts(known.entries, name, offered);
      if (verdict.kind === 'trusted') return undefined;
      const fingerprint = sha256Fingerprint(blob);
      const base = { host: target.label, fingerprint };
      switch (verdict.kind) {
        case 'revoked':
          return new HostKeyError({
            ...base,
            what: `refused the host key of ${target.label}: it is REVOKED`,
            why: `${offered.type} key ${fingerprint} is marked @revoked in ${where(verdict.entry)}`,
            hint: 'Do not connect; the key was revoked, possibly because it was compromised.',
          });
        case 'changed':
          return new HostKeyError({
            ...base,
            what: `refused the host key of ${target.label}: it has CHANGED`,
            why:
              `${where(verdict.known[0])} holds ${verdict.known.map((e) => sha256Fingerprint(e.key.blob)).join(', ')} ` +
              `but the host offered ${offered.type} ${fingerprint}; someone could be doing something nasty ` +
              '(a man-in-the-middle attack), or the host was reinstalled',
            hint:
              `If you have checked the new key on the host, remove the old entry with ssh-keygen -R '${name}' -f ${verdict.known[0].source} ` +
              'and add the new one; otherwise do not connect.',
          });
        case 'unknown':
          if (verdict.certAuthorities.length > 0) return certificateRefusal(target, known, offered.type, fingerprint, verdict.certAuthorities);
          return new HostKeyError({
            ...base,
            what: `refused the host key of ${target.label}: it is not known`,
            why:
              `${offered.type} key ${fingerprint} is not in ${describeFiles(known)}` +
              (verdict.otherTypes.length > 0 ? ` (which knows only ${verdict.otherTypes.join(', ')} keys for it)` : ''),
            hint:
              `If ${fingerprint} is the host's key (check with ssh-keygen -lf on the host), trust it with ` +
              `ssh-keyscan ${keyscanArgs(target, offered.type)} >> ${known.files[0]}, or set the connection's hostKey to "${fingerprint}".`,
          });
      }
    },
  };
}

/**
 * known_hosts trusts the host only through a certificate authority, and
 * ssh2 (qemu-cpu's SSH library) cannot negotiate host certificates: the
 * host's plain key must be pinned or listed.
 */
function certificateRefusal(target: HostKeyTarget, known: LoadedKnownHosts, type: string, fingerprint: string, authorities: readonly KnownHostsEntry[]): HostKeyError {
  return new HostKeyError({
    host: target.label,
    fingerprint,
    what: `refused the host key of ${target.label}: known_hosts trusts it only through a certificate authority`,
    why:
      `${authorities.map(where).join(', ')} ${authorities.length > 1 ? 'are @cert-authority lines' : 'is a @cert-authority line'} for it, and ssh2, qemu-cpu's SSH library, ` +
      `cannot negotiate host certificates; the host's plain ${type} key ${fingerprint} is not listed`,
    hint:
      `Pin the host key: set the connection's hostKey to "${fingerprint}" (check it with ssh-keygen -lf on the host), ` +
      `or list the plain key in known_hosts: ssh-keyscan ${keyscanArgs(target, type)} >> ${known.files[0]}.`,
  });
}

function where(entry: KnownHostsEntry): string {
  return `${entry.source}:${entry.line}`;
}

function describeFiles(known: LoadedKnownHosts): string {
  return known.files.map((f) => (known.missing.includes(f) ? `${f} (missing)` : f)).join(' or ');
}

function keyscanArgs(target: HostKeyTarget, type?: string): string {
  const parts = [];
  if (target.port !== 22) parts.push(`-p ${target.port}`);
  if (type) parts.push(`-t ${type}`);
  parts.push(target.host);
  return parts.join(' ');
}
