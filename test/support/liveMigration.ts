import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { scratchDir } from '../../harness/paths';

/** One side of a live migration: which QEMU, with which machine type and -cpu. */
export interface MigrationEnd {
  binary: string;
  machineType: string;
  cpu: string;
}

/** What a real live migration between two local QEMU processes did. */
export interface MigrationOutcome {
  /** The source's query-migrate status at the end: 'completed' or 'failed'; 'refused' when `migrate` itself was refused. */
  status: 'completed' | 'failed' | 'refused';
  /** The source's reason: query-migrate's error-desc, or the migrate command's error (e.g. a migration blocker). */
  sourceError: string | null;
  /** What the destination QEMU wrote to stderr (its reason for refusing the stream). */
  destinationStderr: string;
  /** The destination's run state after a completed migration ('paused' or 'prelaunch' for a source started with -S); null when it exited. */
  destinationStatus: string | null;
}

type Qmp = (execute: string, args?: Record<string, unknown>) => Promise<{ return?: Record<string, unknown>; error?: { desc: string } }>;

/**
 * Migrate a paused guest from `source` to `destination` for real: two QEMU
 * processes on this machine under KVM (-accel kvm), the destination
 * started with `-incoming unix:SOCKET`, `migrate` sent over the source's
 * QMP socket, then query-migrate until it completes or fails. Both
 * processes are started under setpriv --pdeathsig KILL and always killed.
 */
export async function liveMigrate(source: MigrationEnd, destination: MigrationEnd, timeoutMs = 30_000): Promise<MigrationOutcome> {
  const dir = fs.mkdtempSync(path.join(scratchDir, 'migrate-'));
  const sock = (name: string) => path.join(dir, name);
  const common = (end: MigrationEnd, qmp: string) => ['-nodefaults', '-no-user-config', '-display', 'none', '-accel', 'kvm', '-m', '64', '-machine', end.machineType, '-cpu', end.cpu, '-qmp', `unix:${qmp},server=on,wait=off`];
  const children: ChildProcess[] = [];
  const start = (end: MigrationEnd, args: string[]) => {
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', end.binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    children.push(child);
    return { child, stderr: () => stderr };
  };
  try {
    const dst = start(destination, [...common(destination, sock('dst.qmp')), '-incoming', `unix:${sock('stream')}`]);
    start(source, [...common(source, sock('src.qmp')), '-S']);
    const src = await connectQmp(sock('src.qmp'), timeoutMs);
    const dq = await connectQmp(sock('dst.qmp'), timeoutMs);
    const asked = await src('migrate', { uri: `unix:${sock('stream')}` });
    if (asked.error) return { status: 'refused', sourceError: asked.error.desc, destinationStderr: dst.stderr(), destinationStatus: null };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = (await src('query-migrate')).return ?? {};
      if (state.status === 'completed' || state.status === 'failed') {
        const exited = await exitOf(dst.child, 2000);
        const destinationStatus = exited ? null : String((await dq('query-status')).return?.status ?? null);
        return { status: state.status, sourceError: typeof state['error-desc'] === 'string' ? state['error-desc'] : null, destinationStderr: dst.stderr(), destinationStatus };
      }
      if (Date.now() > deadline) throw new Error(`migration still ${String(state.status)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => exitOf(c, 5000)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether the process ended within `ms`. */
function exitOf(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A QMP session over a unix socket, capabilities negotiated; commands one at a time, events skipped. */
async function connectQmp(socketPath: string, timeoutMs: number): Promise<Qmp> {
  const deadline = Date.now() + timeoutMs;
  let socket: net.Socket | undefined;
  while (!socket) {
    socket = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.connect(socketPath);
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) {
      if (Date.now() > deadline) throw new Error(`no QMP socket at ${socketPath} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const open = socket;
  open.unref();
  let buffer = '';
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  open.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if ('return' in message || 'error' in message || 'QMP' in message) waiting.shift()?.(message);
    }
  });
  open.on('error', () => undefined);
  const next = () => new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
  await next();
  const qmp: Qmp = async (execute, args) => {
    const reply = next();
    open.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
    return (await reply) as Awaited<ReturnType<Qmp>>;
  };
  await qmp('qmp_capabilities');
  return qmp;
}
