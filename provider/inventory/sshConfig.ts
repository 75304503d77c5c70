import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseSshConfigText, type SSHConfig } from 'ssh-config';
import { ConfigError } from '../errors';
import { homeDir } from '../transport';
import type { HostEntryInput } from './hostEntryInput';
import { readInputFile } from './inputFile';

/**
 * The OpenSSH client config (ssh_config(5)) as ssh applies it to a host:
 * the first value obtained wins, so what a host entry sets is kept and the
 * config fills in the rest. Read: HostName, Port, User, IdentityFile (the
 * first), UserKnownHostsFile (the first), ConnectTimeout and ProxyJump (one
 * hop). `Match exec` is never run; Include is not followed.
 */
export interface SshConfigFile {
  path: string;
  config: SSHConfig;
}

/** Where the tokens of ssh_config(5) come from. */
interface TokenValues {
  home: string;
  localUser: string;
}

/**
 * Load the ssh config a selection names: `setting` 'none' reads none;
 * absent reads ~/.ssh/config when it exists; a path must exist.
 */
export async function loadSshConfig(
  setting: string | undefined,
  options: { baseDir: string; homeDir: string; onWarning?: (message: string) => void },
): Promise<SshConfigFile | undefined> {
  if (setting === 'none') return undefined;
  const file = setting === undefined ? path.join(options.homeDir, '.ssh', 'config') : absolute(expandTilde(setting, options.homeDir), options.baseDir);
  let text: string;
  try {
    text = await readInputFile(file, 'ssh config');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (setting === undefined && code === 'ENOENT') return undefined;
    throw new ConfigError({ what: `cannot read ssh config ${file}`, why: code ?? 'read failed', hint: "Check sshConfig, or set it to 'none'.", cause: err });
  }
  let config: SSHConfig;
  try {
    config = parseSshConfigText(text);
  } catch (err) {
    throw new ConfigError({ what: `ssh config ${file} cannot be parsed`, why: (err as Error).message, cause: err });
  }
  if (hasInclude(config)) options.onWarning?.(`ssh config ${file}: Include is not followed; hosts set up only in included files are not seen`);
  return { path: file, config };
}

function hasInclude(config: SSHConfig): boolean {
  return config.some((line) => 'param' in line && (line.param.toLowerCase() === 'include' || ('config' in line && hasInclude(line.config))));
}

/** ssh's values for one host alias, lower-cased directive names. */
function lookup(file: SshConfigFile, alias: string, user: string | undefined): Record<string, string | string[]> {
  return file.config.compute({ Host: alias, ...(user ? { User: user } : {}) }, { ignoreCase: true, matchExec: false });
}

const first = (v: string | string[] | undefined): string | undefined => {
  const value = Array.isArray(v) ? v[0] : v;
  return value === undefined ? undefined : value.trim().split(/\s+/)[0];
};

/**
 * Apply the ssh config to one host entry: `entry.host` is looked up as ssh
 * looks up the name it is given. Fields the entry sets stay; HostName
 * replaces `host` (and the alias becomes the entry's name if it has none).
 * Problems (a bad Port, a ProxyJump of more than one hop) are appended to
 * `problems`, prefixed with `where`.
 */
export function applySshConfig(entry: HostEntryInput, file: SshConfigFile | undefined, where: string, problems: string[], tokens: TokenValues = defaultTokens()): HostEntryInput {
  if (!file) return entry;
  const alias = entry.host;
  const values = lookup(file, alias, entry.user);
  const derived = derive(values, alias, entry, file, where, problems, tokens);
  const hostName = derived.host ?? alias;
  const merged: HostEntryInput = { ...derived, ...entry, host: hostName };
  if (hostName !== alias && entry.name === undefined) merged.name = alias;
  const jump = first(values.proxyjump);
  if (entry.proxy === undefined && jump !== undefined && jump.toLowerCase() !== 'none') {
    const proxy = jumpHost(jump, merged, file, `${where}: ProxyJump ${jump}`, problems, tokens);
    if (proxy) merged.proxy = proxy;
  }
  return merged;
}

/** The connection fields an ssh config gives one host, without ProxyJump. */
function derive(
  values: Record<string, string | string[]>,
  alias: string,
  entry: Partial<HostEntryInput>,
  file: SshConfigFile,
  where: string,
  problems: string[],
  tokens: TokenValues,
): Partial<HostEntryInput> {
  const out: Partial<HostEntryInput> = {};
  const hostName = first(values.hostname);
  if (hostName !== undefined) out.host = expandTokens(hostName, { h: alias, n: alias, ...tokenMap(tokens) });
  const port = first(values.port);
  if (port !== undefined) {
    if (/^\d{1,5}$/.test(port)) out.port = Number(port);
    else problems.push(`${where}: Port ${JSON.stringify(port)} in ${file.path} is not a port number`);
  }
  const user = first(values.user);
  if (user !== undefined) out.user = user;
  const remote = {
    h: out.host ?? alias,
    n: alias,
    p: String(entry.port ?? out.port ?? 22),
    r: entry.user ?? out.user ?? tokens.localUser,
    ...tokenMap(tokens),
  };
  const identity = first(values.identityfile);
  if (identity !== undefined && entry.privateKey === undefined && entry.privateKeyPath === undefined) {
    out.privateKeyPath = expandTilde(expandTokens(identity, remote), tokens.home);
  }
  const knownHosts = first(values.userknownhostsfile);
  if (knownHosts !== undefined && entry.hostKey === undefined && knownHosts.toLowerCase() !== 'none') {
    out.knownHostsPath = expandTilde(expandTokens(knownHosts, remote), tokens.home);
  }
  const timeout = first(values.connecttimeout);
  if (timeout !== undefined) {
    if (/^\d+$/.test(timeout) && Number(timeout) > 0) out.perDialTimeout = Number(timeout);
    else problems.push(`${where}: ConnectTimeout ${JSON.stringify(timeout)} in ${file.path} is not a number of seconds`);
  }
  return out;
}

/**
 * The jump host of a ProxyJump value (`[user@]host[:port]` or
 * `ssh://[user@]host[:port]`), itself looked up in the ssh config as ssh
 * does. A jump host without an IdentityFile or UserKnownHostsFile of its own
 * uses the target's key and known_hosts.
 */
function jumpHost(
  value: string,
  target: HostEntryInput,
  file: SshConfigFile,
  where: string,
  problems: string[],
  tokens: TokenValues,
): HostEntryInput['proxy'] | undefined {
  if (value.includes(',')) {
    problems.push(`${where}: more than one jump host; qemu-cpu connects through one`);
    return undefined;
  }
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) {
    problems.push(`${where}: not [user@]host[:port]`);
    return undefined;
  }
  const [, user, rawHost, port] = m;
  const alias = rawHost.replace(/^\[|\]$/g, '');
  const values = lookup(file, alias, user);
  const own = first(values.proxyjump);
  if (own !== undefined && own.toLowerCase() !== 'none' && own !== value && own !== alias) {
    problems.push(`${where}: the jump host has a ProxyJump of its own (${own}); qemu-cpu connects through one jump host`);
    return undefined;
  }
  const explicit: Partial<HostEntryInput> = {};
  if (user !== undefined) explicit.user = user;
  if (port !== undefined) explicit.port = Number(port);
  const derived = derive(values, alias, explicit, file, where, problems, tokens);
  const inherited: Partial<HostEntryInput> = {
    knownHostsPath: target.knownHostsPath,
    perDialTimeout: target.perDialTimeout,
    dialErrorLimit: target.dialErrorLimit,
  };
  if (derived.privateKeyPath === undefined) {
    Object.assign(inherited, { privateKey: target.privateKey, privateKeyPath: target.privateKeyPath, privateKeyPassword: target.privateKeyPassword, agentSocketPath: target.agentSocketPath });
  }
  const proxy = { ...dropUndefined(inherited), ...derived, ...explicit, host: derived.host ?? alias, name: alias };
  return proxy as HostEntryInput['proxy'];
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultTokens(): TokenValues {
  return { home: homeDir(), localUser: os.userInfo().username };
}

function tokenMap(tokens: TokenValues): Record<string, string> {
  return { d: tokens.home, u: tokens.localUser };
}

/** ssh_config(5) TOKENS: %% and the single letters given; others are left as written. */
function expandTokens(value: string, map: Record<string, string>): string {
  return value.replace(/%([%a-zA-Z])/g, (whole, c: string) => (c === '%' ? '%' : map[c] ?? whole));
}

function expandTilde(value: string, home: string): string {
  return value === '~' || value.startsWith('~/') ? path.join(home, value.slice(1)) : value;
}

function absolute(file: string, baseDir: string): string {
  return path.isAbsolute(file) ? file : path.resolve(baseDir, file);
}

/** Resolve a path the way the selection's own paths are resolved: ~ first, then relative to baseDir. */
export function resolveUserPath(file: string, baseDir: string, homeDir: string): string {
  return absolute(expandTilde(file, homeDir), baseDir);
}
