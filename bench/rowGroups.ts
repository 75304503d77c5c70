/**
 * Bench rows kept in files of their own, each a named group. `npm run bench`
 * runs every group after its built-in rows; BENCH_ROWS=substring runs only
 * the groups whose name contains it (no built-in rows), for measuring one
 * change without the whole bench.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Accelerator } from '../provider/model';
import { startSshd, type Sshd } from '../harness/sshd';

/** One row of the results table. */
export interface Row {
  case: string;
  median: string;
  reference: string;
  ratio: string;
  target: string;
  met: string;
}

/** What a group's rows are measured with: the bench's loopback sshd and settings. */
export interface RowGroupContext {
  sshd: Sshd;
  accel: Accelerator;
  /** Samples per latency row (BENCH_SAMPLES). */
  samples: number;
  /** A new, empty directory under the bench's scratch directory. */
  scratch: (name: string) => string;
  log: (m: string) => void;
}

/** A named group of rows. */
export interface RowGroup {
  name: string;
  rows: (ctx: RowGroupContext) => Promise<Row[]>;
}

/** The rows of every group, in order. */
export async function rowGroupRows(groups: readonly RowGroup[], ctx: RowGroupContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const group of groups) {
    ctx.log(`row group ${group.name}`);
    rows.push(...(await group.rows(ctx)));
  }
  return rows;
}

/** BENCH_ROWS: only the groups whose name contains `only`, on a loopback sshd of their own; prints their table (bench/RESULTS.md is left as it is). */
export async function runRowGroups(groups: readonly RowGroup[], only: string, settings: Pick<RowGroupContext, 'accel' | 'samples' | 'log'>): Promise<void> {
  const chosen = groups.filter((g) => g.name.includes(only));
  if (chosen.length === 0) throw new Error(`BENCH_ROWS=${only} names no row group (there are: ${groups.map((g) => g.name).join(', ')})`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-bench-'));
  // Fleets dial 64 connections at once: sshd's default MaxStartups (10:30:100) would drop most of them.
  const sshd = await startSshd({ maxStartups: 1024, logLevel: 'INFO' });
  try {
    const rows = await rowGroupRows(chosen, { ...settings, sshd, scratch: scratchIn(tmp) });
    process.stdout.write(`\nRun ${new Date().toISOString()} on ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; accelerator ${settings.accel}; BENCH_ROWS=${only}.\n\n${renderTable(rows)}\n`);
  } finally {
    await sshd.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** New directories under `dir`, numbered. */
export function scratchIn(dir: string): (name: string) => string {
  let n = 0;
  return (name) => {
    const made = path.join(dir, `${name}-${n++}`);
    fs.mkdirSync(made, { recursive: true });
    return made;
  };
}

export function renderTable(rows: Row[]): string {
  const head = '| Case | Median | Reference | Ratio | Target | Met |\n|---|---|---|---|---|---|';
  return [head, ...rows.map((r) => `| ${r.case} | ${r.median} | ${r.reference} | ${r.ratio} | ${r.target} | ${r.met} |`)].join('\n');
}

export function yes(ok: boolean): string {
  return ok ? 'yes' : '**no**';
}
