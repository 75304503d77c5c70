/**
 * Runs one big fleet job in a process of its own, so its peak RSS is the
 * job's and not the bench's: the parent sends the job over IPC and gets
 * back the wall time, the peak RSS and a summary.
 */
import { probeHosts, verifySelection, sharedPool } from '../provider/probe';
import { SelectionInputsSchema } from '../provider/inventory';
import type { ConnectionInput } from '../provider/transport';
import type { Accelerator } from '../provider/model';

export interface MemoryJob {
  kind: 'check' | 'probe';
  connection: ConnectionInput;
  accelerator: Accelerator;
  hosts: number;
  concurrency: number;
  cacheDir: string;
}

export interface MemoryResult {
  wallMs: number;
  maxRssMb: number;
  /** Hosts that answered (check: decided; probe: fulfilled). */
  answered: number;
  connections: number;
}

async function run(job: MemoryJob): Promise<MemoryResult> {
  const connections = Array.from({ length: job.hosts }, (_, i) => ({ ...job.connection, name: `mem-${String(i).padStart(3, '0')}` }));
  const start = performance.now();
  let answered: number;
  if (job.kind === 'check') {
    const inputs = SelectionInputsSchema.parse({ model: 'qemu64', machineType: 'pc-q35-7.2', accelerator: job.accelerator, hosts: connections, concurrency: job.concurrency });
    const report = await verifySelection(inputs as typeof inputs & { model: string }, { cacheDir: job.cacheDir });
    answered = report.hosts.filter((h) => h.enforceable !== null).length;
  } else {
    const results = await probeHosts(connections.map((connection) => ({ connection, accelerator: job.accelerator })), { concurrency: job.concurrency, cacheDir: job.cacheDir });
    answered = results.filter((r) => r.status === 'fulfilled').length;
  }
  const wallMs = performance.now() - start;
  const connectionsOpened = sharedPool.opened;
  await sharedPool.closeAll();
  return { wallMs, maxRssMb: process.resourceUsage().maxRSS / 1024, answered, connections: connectionsOpened };
}

process.once('message', (job: MemoryJob) => {
  run(job).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err: unknown) => {
      process.stderr.write(`memory job failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
});
