import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Sshd } from '../harness/sshd';
import { processTree } from '../harness/sshdProcessTree';
import { TransportPool } from '../provider/probe/transportPool';

/** The median of some samples (the lower middle one for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Wall time of one call, in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Run `work` `n` times in sequence; the wall time of each, in milliseconds. */
export async function samples(n: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await timed(() => work(i))).ms);
  return out;
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/**
 * CPU time, in milliseconds, of this process plus a loopback sshd and
 * everything it has reaped: per-connection sshd processes, their shells,
 * the facts scripts and QEMU. Only what this bench caused, not the rest of
 * the machine (other jobs may run beside it). Children still running are
 * not counted yet: call {@link settle} first.
 */
export function cpuMs(sshdPid: number): number {
  const own = process.cpuUsage();
  const text = fs.readFileSync(`/proc/${sshdPid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: utime(11) stime(12) cutime(13) cstime(14).
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return (own.user + own.system) / 1000 + ticks * TICK_MS;
}

/** CPU time, in milliseconds, of this process's children it has reaped (a whole qemu-cpu process the bench timed, once it exited). */
export function reapedChildrenCpuMs(): number {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // After the name: cutime(13) cstime(14).
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

/** CPU time, in milliseconds, that the whole machine spent busy (all cores, /proc/stat) since boot. */
export function machineBusyMs(): number {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** Wait until the sshd has reaped every connection, so {@link cpuMs} counts them. */
export async function settle(sshdPid: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (processTree(sshdPid).length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/** Wall time of a whole command (argv, no shell unless asked), stdin given, env added to this one's; rejects on a non-zero exit. */
export function runProcess(argv: readonly string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${argv[0]} exited ${code}: ${err.slice(0, 500)}`))));
    child.stdin.end(stdin);
  });
}

/**
 * The OpenSSH client to the loopback sshd running `command`: no config file,
 * no prompts, the host key checked against the sshd's known_hosts, as a
 * careful script would call it. The bench's OpenSSH references use it.
 */
export function opensshArgv(sshd: Sshd, ...command: string[]): string[] {
  return [
    'ssh', '-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-i', sshd.privateKeyPath, '-p', String(sshd.port), `${sshd.user}@${sshd.host}`,
    ...command,
  ];
}

/** The path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** "123 ms" / "1.23 s". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

/** "1.08×". */
export function ratio(value: number, reference: number): string {
  return Number.isFinite(value / reference) ? `${(value / reference).toFixed(2)}×` : '—';
}

/** CPU milliseconds per call of `work`, over `n` sequential calls (see {@link cpuMs}). */
export async function cpuPer(sshd: Sshd, n: number, work: () => Promise<unknown>): Promise<number> {
  await settle(sshd.pid);
  const before = cpuMs(sshd.pid);
  for (let i = 0; i < n; i++) await work();
  await settle(sshd.pid);
  return (cpuMs(sshd.pid) - before) / n;
}

/** A fresh pool for one piece of work, closed afterwards. */
export async function withPool<T>(work: (pool: TransportPool) => Promise<T>): Promise<T> {
  const pool = new TransportPool();
  try {
    return await work(pool);
  } finally {
    await pool.closeAll();
  }
}
