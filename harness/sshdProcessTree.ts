import * as fs from 'node:fs';

/** A process, identified by pid and start time so a recycled pid is never mistaken for it. */
export interface ProcessId {
  readonly pid: number;
  readonly start: string;
}

interface ProcStat {
  readonly ppid: number;
  readonly start: string;
}

/** ppid and start time from /proc/<pid>/stat; the command name may hold spaces and parens, so fields count from the last ')'. */
function readStat(pid: number): ProcStat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name: state(0) ppid(1) ... starttime(19).
    return { ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return undefined;
  }
}

/**
 * `root` and all its descendants (Linux /proc). sshd's per-connection
 * processes call setsid(), so a process-group kill would miss them.
 */
export function processTree(root: number): ProcessId[] {
  const children = new Map<number, ProcessId[]>();
  let rootId: ProcessId | undefined;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat) continue;
    if (pid === root) rootId = { pid, start: stat.start };
    const list = children.get(stat.ppid) ?? [];
    list.push({ pid, start: stat.start });
    children.set(stat.ppid, list);
  }
  if (!rootId) return [];
  const tree: ProcessId[] = [];
  const queue = [rootId];
  while (queue.length > 0) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

/**
 * Processes whose environment holds `entry` ("NAME=value"). Finds what a test
 * sshd's sessions started even after sshd is gone and they were reparented.
 */
export function processesWithEnv(entry: string): ProcessId[] {
  const found: ProcessId[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    if (!environ.split('\0').includes(entry)) continue;
    const stat = readStat(pid);
    if (stat) found.push({ pid, start: stat.start });
  }
  return found;
}

/** Signal every process of the tree that is still the same process. */
export function killTree(tree: readonly ProcessId[], signal: NodeJS.Signals): void {
  for (const { pid, start } of tree) {
    if (readStat(pid)?.start !== start) continue;
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
