import * as fs from 'node:fs';
import * as path from 'node:path';
import { qemuPids } from './qemuProcesses';
import { scratchDir } from './paths';
import { scanSink } from './secretSink';

/**
 * The suite-wide promise: no qemu-system process started by a test is still
 * running when the suite ends. A short grace period covers processes that
 * are already being killed.
 */
export default async function globalTeardown(): Promise<void> {
  const scan = scanSink();
  if (scan.hits.length > 0) {
    throw new Error(`secrets found in recorded outputs: ${scan.hits.map((h) => `${h.secret} in ${h.source}`).join('; ')}`);
  }
  const before = new Set<number>(JSON.parse(fs.readFileSync(path.join(scratchDir, 'qemu-before.json'), 'utf8')));
  let leftover: number[] = [];
  for (let i = 0; i < 30; i++) {
    leftover = qemuPids().filter((p) => !before.has(p));
    if (leftover.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of leftover) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  throw new Error(`qemu-system processes left running after the test suite: ${leftover.join(', ')}`);
}
