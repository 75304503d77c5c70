import { execFileSync } from 'node:child_process';

/** PIDs of every qemu-system process on this machine. */
export function qemuPids(): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', '^(\\S*/)?qemu-system-'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
