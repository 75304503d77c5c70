import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * The environment entry that marks processes started by one test run:
 * global setup puts it into the environment jest's workers inherit (so a
 * QEMU started locally carries it), and every test sshd sets it for its
 * sessions (so a QEMU started over SSH carries it too).
 */
export const TEST_RUN_ENV = 'QEMU_CPU_TEST_RUN';

/** A live QEMU-like process: a real qemu-system-* or a replay fake (node .../replayQemu.js). */
export interface QemuProcess {
  readonly pid: number;
  readonly args: string;
  /** The test run that started it (its QEMU_CPU_TEST_RUN), undefined when unmarked or unreadable. */
  readonly run: string | undefined;
}

const QEMU_ARGS = /^(\S*\/)?qemu-system-/;
const REPLAY_ARGS = /(^|\s)\S*replayQemu\.js(\s|$)/;

/** Every live (not zombie) qemu-system process and replay fake on this machine. */
export function qemuProcesses(): QemuProcess[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !m[2].startsWith('Z') && (QEMU_ARGS.test(m[3]) || REPLAY_ARGS.test(m[3])))
    .map((m) => ({ pid: Number(m[1]), args: m[3], run: runOf(Number(m[1])) }));
}

/** PIDs of every live (not zombie) qemu-system process and replay fake on this machine. */
export function qemuPids(): number[] {
  return qemuProcesses().map((p) => p.pid);
}

/** Live QEMU-like processes whose command line contains `needle` (e.g. a tagged replay binary's directory). */
export function qemuProcessesMatching(needle: string): QemuProcess[] {
  return qemuProcesses().filter((p) => p.args.includes(needle));
}

/** Resolve true once no QEMU-like process matches `needle`, false if some still do after `ms`. */
export async function noQemuLeft(needle: string, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (qemuProcessesMatching(needle).length === 0) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runOf(pid: number): string | undefined {
  try {
    const entry = fs
      .readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((e) => e.startsWith(`${TEST_RUN_ENV}=`));
    return entry?.slice(TEST_RUN_ENV.length + 1);
  } catch {
    return undefined; // gone, or another user's
  }
}
