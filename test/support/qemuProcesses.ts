import { execFileSync } from 'node:child_process';

/** PIDs of every live (not zombie) qemu-system process on this machine. */
export function qemuPids(): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !m[2].startsWith('Z') && /^(\S*\/)?qemu-system-/.test(m[3]))
    .map((m) => Number(m[1]));
}
