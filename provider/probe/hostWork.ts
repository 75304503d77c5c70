import { HostUnresponsiveError, QemuCpuError, TimeoutError, type Stage } from '../errors';
import { connectionLabel, HOST_SILENCE_MS, type Connection, type Transport } from '../transport';
import { withTimeout } from '../launcher';
import type { TransportPool } from './transportPool';

/** Bounds on one host's work that a caller (the CLI's --host-timeout) may set. */
export interface HostBounds {
  /**
   * The longest one host may take to answer one question, connecting
   * included, in milliseconds. Past it the host's connection is closed and
   * the work fails with a TimeoutError naming the stage it was in. Default:
   * no limit beyond each stage's own.
   */
  hostTimeoutMs?: number;
}

/** How long to wait, after closing an overdue host's connection, for its work to say where it was. */
const SETTLE_MS = 3_000;

/**
 * Turns an error of the host's work into the one to report. Work that keeps
 * going after an error (one verdict per selection) passes each error through
 * it, so the host's time limit can name the stage that failed.
 */
export type ExplainHostError = (err: unknown) => unknown;

/**
 * Run one host's work over its pooled connection, within `hostTimeoutMs`,
 * and with an honest diagnosis when the host went silent: a stage that
 * timed out or lost its connection while nothing at all came from the host
 * (keepalive replies included) for {@link HOST_SILENCE_MS} fails with
 * HostUnresponsiveError in that stage, not with the stage's own message
 * (which would blame QEMU for a network partition).
 */
export async function useHost<T>(
  pool: TransportPool,
  connection: Connection,
  work: (t: Transport, explain: ExplainHostError) => Promise<T>,
  bounds: HostBounds = {},
): Promise<T> {
  let transport: Transport | undefined;
  let lastError: unknown;
  const run = pool.use(connection, async (t) => {
    transport = t;
    const explain: ExplainHostError = (err) => (lastError = blameSilence(t, err));
    try {
      return await work(t, explain);
    } catch (err) {
      throw explain(err);
    }
  });
  const limit = bounds.hostTimeoutMs;
  if (limit === undefined) return run;
  run.catch(() => undefined);
  const overdue = new Error('overdue');
  try {
    return await withTimeout(run, limit, () => overdue);
  } catch (err) {
    if (err !== overdue) throw err;
  }
  return overdueFailure(connection, transport, run.then(() => Promise.reject(lastError)), limit);
}

/**
 * The host ran out of time: close its connection (its in-flight command
 * then fails at once, naming its stage, and the host's session ends), and
 * report the stage it was in.
 */
async function overdueFailure(connection: Connection, transport: Transport | undefined, run: Promise<unknown>, limit: number): Promise<never> {
  let stage: Stage = 'connect';
  if (transport) {
    void transport.close();
    // `run` rejects with the work's error, or with the last one it explained when it carried on past it.
    const settled = await withTimeout(run, SETTLE_MS, () => new Error('still running')).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (settled instanceof HostUnresponsiveError) throw settled;
    stage = settled instanceof QemuCpuError ? settled.stage : 'exec';
  }
  const seconds = limit / 1000;
  throw new TimeoutError({
    host: connectionLabel(connection),
    stage,
    what: `gave up after the host time limit of ${seconds} s`,
    why: transport ? `the host was still answering, but had not finished this stage` : 'the connection was not set up in time',
    hint: 'Raise hostTimeout (the CLI\'s --host-timeout) for a slow host, or look at what keeps it busy.',
    timeoutMs: limit,
  });
}

/** The stage's own error, or HostUnresponsiveError when the host had gone silent meanwhile. */
export function blameSilence(transport: Transport, err: unknown): unknown {
  if (!(err instanceof QemuCpuError) || err instanceof HostUnresponsiveError) return err;
  const silentMs = transport.silentForMs?.();
  if (silentMs === undefined || silentMs < HOST_SILENCE_MS) return err;
  return new HostUnresponsiveError({
    host: err.host ?? transport.label,
    stage: err.stage,
    what: 'the host stopped answering',
    why: `nothing came over SSH for ${Math.round(silentMs / 1000)} s, not even replies to keepalives: a network partition or a hung host, not a fault of QEMU`,
    hint: 'Check that the host is up and the network path to it; a QEMU started there may run until its SSH session ends.',
    silentMs,
    cause: err,
  });
}
