import type { HostEntryInput } from './hostEntryInput';
import { MAX_HOSTS } from './inputLimits';

/**
 * An Ansible YAML inventory (the `yaml` inventory plugin's format): groups
 * with `hosts`, `vars` and `children`, `all` at the root. Variables apply
 * as Ansible applies them: `all`, then parent groups before their children
 * (deeper groups win; at equal depth, by name), then the host's own.
 */

/**
 * The host variables qemu-cpu reads for each field, as Ansible's ssh
 * connection plugin lists them; like Ansible, a later name that is defined
 * wins over an earlier one.
 */
const HOST_VARS = ['ansible_host', 'ansible_ssh_host'] as const;
const PORT_VARS = ['ansible_port', 'ansible_ssh_port'] as const;
const USER_VARS = ['ansible_user', 'ansible_ssh_user'] as const;
const KEY_VARS = ['ansible_private_key_file', 'ansible_ssh_private_key_file'] as const;
/** qemu-cpu's own host variable: the QEMU binary on that host. */
export const QEMU_BINARY_VAR = 'qemu_cpu_binary';
/** Connection types that mean "ssh to ansible_host". */
const SSH_CONNECTIONS = new Set(['ssh', 'paramiko', 'smart', 'ansible.builtin.ssh', 'ansible.builtin.paramiko_ssh']);

interface Group {
  vars: Record<string, unknown>;
  /** Host name → its variables as written in this group (merged over repeats). */
  hosts: Map<string, Record<string, unknown>>;
  children: Set<string>;
}

/** The hosts of one group of a parsed inventory, as host entries, with every problem found. */
export interface AnsibleHosts {
  hosts: Array<{ inventoryName: string; entry: HostEntryInput }>;
  problems: string[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The hosts of `group` (its descendants included) in a parsed Ansible YAML
 * inventory, each as a host entry named by its inventory name. Pure.
 *
 * @param doc - the parsed YAML document.
 * @param source - the inventory's path, for messages.
 */
export function ansibleHosts(doc: unknown, group: string, source: string): AnsibleHosts {
  const problems: string[] = [];
  /** Every host name met so far, to stop expanding ranges past MAX_HOSTS. */
  const named = new Set<string>();
  const groups = new Map<string, Group>();
  const groupOf = (name: string): Group => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { vars: {}, hosts: new Map(), children: new Set() }));
    return g;
  };
  const visit = (name: string, node: unknown, path: string, stack: readonly string[]): void => {
    const g = groupOf(name);
    if (node === null || node === undefined) return;
    if (!isMapping(node)) return void problems.push(`${path}: a group must be a mapping of hosts, vars and children`);
    for (const key of Object.keys(node)) {
      if (!['hosts', 'vars', 'children'].includes(key)) problems.push(`${path}.${key}: not hosts, vars or children`);
    }
    if (node.vars !== undefined && node.vars !== null) {
      if (isMapping(node.vars)) Object.assign(g.vars, node.vars);
      else problems.push(`${path}.vars: must be a mapping`);
    }
    if (node.hosts !== undefined && node.hosts !== null) {
      if (!isMapping(node.hosts)) problems.push(`${path}.hosts: must be a mapping of host names`);
      else {
        for (const [pattern, vars] of Object.entries(node.hosts)) {
          if (vars !== null && vars !== undefined && !isMapping(vars)) {
            problems.push(`${path}.hosts.${pattern}: host variables must be a mapping`);
            continue;
          }
          if (named.size > MAX_HOSTS) continue;
          for (const host of expandHostPattern(pattern, MAX_HOSTS + 1 - named.size)) {
            named.add(host);
            g.hosts.set(host, { ...g.hosts.get(host), ...(vars ?? {}) });
          }
          if (named.size > MAX_HOSTS) problems.push(`${source}: more than ${MAX_HOSTS} hosts (ranges expanded); at most ${MAX_HOSTS} can be checked at once`);
        }
      }
    }
    if (node.children !== undefined && node.children !== null) {
      if (!isMapping(node.children)) return void problems.push(`${path}.children: must be a mapping of group names`);
      for (const [child, childNode] of Object.entries(node.children)) {
        if (stack.includes(child)) {
          problems.push(`${path}.children.${child}: group ${child} contains itself`);
          continue;
        }
        g.children.add(child);
        visit(child, childNode, `${path}.children.${child}`, [...stack, child]);
      }
    }
  };

  if (doc === null || doc === undefined) return { hosts: [], problems: [`${source}: the inventory is empty`] };
  if (!isMapping(doc)) return { hosts: [], problems: [`${source}: an Ansible YAML inventory is a mapping of group names (usually all:)`] };
  for (const [name, node] of Object.entries(doc)) {
    visit(name, node, name, [name]);
    // Top-level groups other than all are children of all, as Ansible reads them.
    if (name !== 'all') groupOf('all').children.add(name);
  }
  if (!groups.has(group)) return { hosts: [], problems: [...problems, `${source}: no group ${JSON.stringify(group)}`] };

  const depth = groupDepths(groups);
  const parents = new Map<string, string[]>();
  for (const [name, g] of groups) for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), name]);

  const hosts: AnsibleHosts['hosts'] = [];
  for (const hostName of hostsOf(groups, group)) {
    const vars = hostVars(groups, parents, depth, hostName);
    const entry = hostEntry(hostName, vars, `${source}: host ${hostName}`, problems);
    if (entry) hosts.push({ inventoryName: hostName, entry });
  }
  return { hosts, problems };
}

/** Every host of a group and its descendants, in the order the file names them. */
function hostsOf(groups: Map<string, Group>, root: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const walk = (name: string, visited: Set<string>) => {
    if (visited.has(name)) return;
    visited.add(name);
    const g = groups.get(name);
    if (!g) return;
    for (const h of g.hosts.keys()) {
      if (seen.has(h)) continue;
      seen.add(h);
      out.push(h);
    }
    for (const c of g.children) walk(c, visited);
  };
  walk(root, new Set());
  return out;
}

/** Each group's depth below `all` (the longest path), as Ansible orders group variables. */
function groupDepths(groups: Map<string, Group>): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const walk = (name: string, d: number, stack: Set<string>) => {
    if (stack.has(name)) return;
    if ((depth.get(name) ?? -1) < d) depth.set(name, d);
    stack.add(name);
    for (const c of groups.get(name)?.children ?? []) walk(c, d + 1, stack);
    stack.delete(name);
  };
  walk('all', 0, new Set());
  return depth;
}

/** A host's variables: group variables from `all` down to the deepest group, then its own. */
function hostVars(groups: Map<string, Group>, parents: Map<string, string[]>, depth: Map<string, number>, host: string): Record<string, unknown> {
  const direct = [...groups].filter(([, g]) => g.hosts.has(host)).map(([name]) => name);
  const related = new Set<string>(['all']);
  const up = (name: string) => {
    if (related.has(name) && name !== 'all') return;
    related.add(name);
    for (const p of parents.get(name) ?? []) up(p);
  };
  direct.forEach(up);
  const ordered = [...related].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const vars: Record<string, unknown> = {};
  for (const name of ordered) Object.assign(vars, groups.get(name)?.vars);
  for (const name of direct) Object.assign(vars, groups.get(name)!.hosts.get(host));
  return vars;
}

/** The host entry for one inventory host; undefined (with problems) when a value cannot be used. */
function hostEntry(name: string, vars: Record<string, unknown>, where: string, problems: string[]): HostEntryInput | undefined {
  const pick = (names: readonly string[]) => [...names].reverse().map((n) => vars[n]).find((v) => v !== undefined && v !== null);
  const before = problems.length;
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value === 'string' && value.includes('{{')) problems.push(`${where}: ${key} is a Jinja template; qemu-cpu does not evaluate templates, write the value`);
  }
  const connection = vars.ansible_connection;
  if (connection !== undefined && !(typeof connection === 'string' && SSH_CONNECTIONS.has(connection))) {
    problems.push(`${where}: ansible_connection ${JSON.stringify(connection)} is not ssh; qemu-cpu reaches hosts over SSH only`);
  }
  if (problems.length > before) return undefined;
  const entry: Record<string, unknown> = { name, host: pick(HOST_VARS) ?? name };
  const port = pick(PORT_VARS);
  if (port !== undefined) entry.port = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  const user = pick(USER_VARS);
  if (user !== undefined) entry.user = user;
  const key = pick(KEY_VARS);
  if (key !== undefined) entry.privateKeyPath = key;
  if (vars[QEMU_BINARY_VAR] !== undefined) entry.qemuBinary = vars[QEMU_BINARY_VAR];
  return entry as HostEntryInput;
}

/**
 * Ansible's host ranges: `kvm[01:03].example.net` is kvm01, kvm02, kvm03
 * (zero-padding kept); `[a:c]` letters; `[0:10:5]` a stride. A name
 * without a range is itself. At most `limit` names are made (MAX_HOSTS + 1
 * by default: enough to tell that there are too many), so that
 * `kvm[0:99999999]` costs nothing.
 */
export function expandHostPattern(pattern: string, limit = MAX_HOSTS + 1): string[] {
  const m = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, strideText, tail] = m;
  const stride = strideText ? Number(strideText) : 1;
  const items: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.startsWith('0') ? from.length : 0;
    for (let i = Number(from); i <= Number(to) && stride > 0 && items.length < limit; i += stride) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/.test(from) && /^[a-z]$/.test(to)) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0) && stride > 0; c += stride) items.push(String.fromCharCode(c));
  } else return [pattern];
  const out: string[] = [];
  for (const item of items) {
    if (out.length >= limit) break;
    out.push(...expandHostPattern(`${head}${item}${tail}`, limit - out.length));
  }
  return out;
}
