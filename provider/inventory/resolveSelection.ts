import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, formatZodIssues } from '../errors';
import { connectionLabel, homeDir as userHome } from '../transport';
import { CpuSelectionSchema, normalizeSelection } from '../model';
import { HostEntrySchema, type HostEntry } from '../probe';
import { SelectionInputsSchema, type SelectionInputs } from './selectionInputs';
import { ansibleHosts } from './ansibleInventory';
import { iniInventoryError } from './iniInventory';
import { MAX_HOSTS, selectionLimitProblems } from './inputLimits';
import type { HostEntryInput } from './hostEntryInput';
import { applySshConfig, loadSshConfig, resolveUserPath } from './sshConfig';
import { readYamlFile } from './yamlFile';

/** Where relative paths and ~ point, and where warnings go. */
export interface ResolveOptions {
  /** Relative paths (inventory, sshConfig) are relative to this; default the working directory. The CLI passes the check file's directory. */
  baseDir?: string;
  /** ~ and the default ~/.ssh/config; default the user's home. */
  homeDir?: string;
  /** What the input is, for messages; default "CPU selection". */
  what?: string;
  onWarning?: (message: string) => void;
}

/** One host before validation, and where it came from (for messages). */
interface Pending {
  origin: string;
  entry: HostEntryInput;
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Turn CpuModelSelection's inputs (or a check file's body) into plain
 * inputs: validate them with SelectionInputsSchema, add the hosts of the
 * Ansible inventory, apply the ssh config to every host, and validate each
 * resulting host. Every problem is reported at once, in one ConfigError.
 *
 * Precedence for each connection field (first wins, as in ssh): the host
 * entry or the inventory's host variables, then `inventory.hostDefaults` (for
 * inventory hosts), then the ssh config, then the schema defaults.
 * Relative key and known_hosts paths are relative to `baseDir`.
 *
 * @returns the inputs with `hosts` complete (at least one) and no references left.
 * @throws ConfigError when the input, the inventory, the ssh config or a resolved host is invalid.
 */
export async function resolveSelectionInputs(input: unknown, options: ResolveOptions = {}): Promise<SelectionInputs> {
  const what = options.what ?? 'CPU selection';
  const invalid = (problems: string[], hint: string) => new ConfigError({ what: `invalid ${what}`, why: problems.join('; '), hint, issues: problems });
  // Limits first, on the document as parsed: the schema would walk every element of an oversized list.
  const overLimits = selectionLimitProblems(input);
  if (overLimits.length > 0) throw invalid(overLimits, 'Keep the input within the limits docs/cli.md lists.');
  // Feature names beside the schema, so that one bad field (model: 42) does not hide an unknown feature.
  const problems: string[] = unknownFeatures(input);
  const checked = SelectionInputsSchema.safeParse(input);
  if (!checked.success) throw invalid([...formatZodIssues(checked.error), ...problems], 'Fix the listed fields and run again.');
  const parsed = checked.data;
  const raw = input as Record<string, unknown>;
  const baseDir = options.baseDir ?? process.cwd();
  const homeDir = options.homeDir ?? userHome();

  const pending: Pending[] = (Array.isArray(raw.hosts) ? raw.hosts : []).map((h, i) => ({ origin: `hosts.${i}`, entry: definedOnly(h as HostEntryInput) }));
  if (parsed.inventory) {
    const file = resolveUserPath(parsed.inventory.ansible, baseDir, homeDir);
    const doc = await readYamlFile(file, 'Ansible inventory', options.onWarning, (text, source) => iniInventoryError(text, source, file));
    const found = ansibleHosts(doc, parsed.inventory.group, file);
    problems.push(...found.problems);
    const rawInventory = raw.inventory as Record<string, unknown>;
    const defaults = isMapping(rawInventory.hostDefaults) ? definedOnly(rawInventory.hostDefaults) : {};
    for (const h of found.hosts) pending.push({ origin: `inventory host ${h.inventoryName}`, entry: { ...defaults, ...h.entry } as HostEntryInput });
  }

  // Before each host is resolved and validated: that is the work the limit bounds.
  if (pending.length > MAX_HOSTS) {
    throw invalid([...problems, `hosts: ${pending.length} hosts with the inventory's; at most ${MAX_HOSTS} can be checked at once`], 'Split the fleet into several check files.');
  }
  const sshConfig = await loadSshConfig(parsed.sshConfig, { baseDir, homeDir, onWarning: options.onWarning });
  const hosts: HostEntry[] = [];
  for (const p of pending) {
    const entry = absolutePaths(applySshConfig(p.entry, sshConfig, p.origin, problems, { home: homeDir, localUser: os.userInfo().username }), baseDir, homeDir);
    const result = HostEntrySchema.safeParse(entry);
    if (result.success) hosts.push(result.data);
    else problems.push(...formatZodIssues(result.error, p.origin));
  }
  problems.push(...duplicateNames(hosts));
  if (pending.length === 0) problems.push('hosts: name at least one host, or an inventory that has some');

  if (problems.length > 0) {
    throw new ConfigError({ what: `invalid ${what}`, why: problems.join('; '), hint: 'Fix the listed hosts, inventory or ssh config and run again.', issues: problems });
  }
  const { inventory: _inventory, sshConfig: _sshConfig, ...rest } = parsed;
  return { ...rest, hosts };
}

/** Key and known_hosts paths: ~ expanded, and relative ones relative to the file that names them (baseDir), the proxy's too. */
function absolutePaths(entry: HostEntryInput, baseDir: string, homeDir: string): HostEntryInput {
  const fix = <T extends { privateKeyPath?: string; knownHostsPath?: string }>(e: T): T => ({
    ...e,
    ...(typeof e.privateKeyPath === 'string' && e.privateKeyPath !== '' ? { privateKeyPath: resolveUserPath(e.privateKeyPath, baseDir, homeDir) } : {}),
    ...(typeof e.knownHostsPath === 'string' && e.knownHostsPath !== '' ? { knownHostsPath: resolveUserPath(e.knownHostsPath, baseDir, homeDir) } : {}),
  });
  const out = fix(entry);
  return out.proxy && typeof out.proxy === 'object' ? { ...out, proxy: fix(out.proxy) } : out;
}

/** The feature names, of those that are well-formed, that QEMU does not know (normalizeSelection's words). */
function unknownFeatures(input: unknown): string[] {
  if (!isMapping(input)) return [];
  const names = (field: string): string[] => (Array.isArray(input[field]) ? input[field] : []).filter((n: unknown): n is string => FEATURE_NAME.safeParse(n).success);
  return normalizeSelection({ model: 'auto', requiredFeatures: names('requiredFeatures'), disabledFeatures: names('disabledFeatures'), machineType: 'q35', accelerator: 'kvm' }).problems;
}

/** One feature name as the schema accepts it. */
const FEATURE_NAME = CpuSelectionSchema.shape.requiredFeatures.removeDefault().element;

/** A field set to undefined is not set: it must not hide what the ssh config gives. */
function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Two hosts with one name would make every report ambiguous. */
function duplicateNames(hosts: readonly HostEntry[]): string[] {
  const seen = new Map<string, number>();
  for (const h of hosts) seen.set(connectionLabel(h), (seen.get(connectionLabel(h)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([name, n]) => `hosts: ${n} hosts are named ${name}; give each a distinct name`);
}

/** The directory relative paths of a file's content are resolved against. */
export function baseDirOf(file: string): string {
  return path.dirname(path.resolve(file));
}
