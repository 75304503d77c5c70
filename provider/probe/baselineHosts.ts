import { problemOf, type Problem } from '../errors';
import { connectionLabel, type Transport } from '../transport';
import { DEFAULT_TIMEOUTS, readHostFacts, type HostFacts } from '../launcher';
import type { HostCapabilities, NormalizedSelection } from '../model';
import { hostUnchanged, type StoredRun } from './baselineCache';
import { useHost } from './hostWork';
import { parseInput } from './parseInput';
import { probeOver, type ProbeContext } from './probeHost';
import { ProbeRequestSchema } from './probeRequest';
import { runBounded } from './runBounded';
import { connectionOf, type HostEntry } from './selectionInputs';
import type { TransportPool } from './transportPool';
import type { HostFactsSource } from './verifySelection';

/**
 * One facts exec per host (and QEMU binary) for a whole baseline: the cache
 * check, the probe and every exact-CPU check of the search share it, so a
 * host is read once however many questions it is asked. A failed read is
 * not kept: the next question reads again.
 */
export function sharedFacts(): HostFactsSource {
  const memo = new WeakMap<Transport, Map<string, Promise<HostFacts>>>();
  return (transport, qemuBinary) => {
    let byBinary = memo.get(transport);
    if (!byBinary) memo.set(transport, (byBinary = new Map()));
    const key = qemuBinary ?? '';
    let facts = byBinary.get(key);
    if (!facts) {
      const read = readHostFacts(transport, qemuBinary, DEFAULT_TIMEOUTS.exec);
      byBinary.set(key, read);
      read.catch(() => byBinary!.get(key) === read && byBinary!.delete(key));
      facts = read;
    }
    return facts;
  };
}

/** One host's probe for the baseline: its capabilities and the facts they came with, or why it could not be asked. */
export type ProbedHost = { entry: HostEntry; name: string; caps?: HostCapabilities; facts?: HostFacts; problem?: Problem };

/** What the baseline's probes need: the pool, the shared facts, and the probe's cache and bounds. */
export interface BaselineHostContext {
  pool: TransportPool;
  factsOf: HostFactsSource;
  probe?: Omit<ProbeContext, 'transport' | 'pool'>;
}

/**
 * Probe one host with the baseline's machine type, through the probe cache
 * and over the shared facts. Never throws: even a bug must not hide the
 * other hosts (as in verifyHost).
 */
export async function probeForBaseline(ctx: BaselineHostContext, entry: HostEntry, sel: NormalizedSelection): Promise<ProbedHost> {
  const name = connectionLabel(entry);
  try {
    const request = parseInput(ProbeRequestSchema, { connection: connectionOf(entry), machineType: sel.machineType, accelerator: sel.accelerator, qemuBinary: entry.qemuBinary }, 'probe request', name);
    const options = { cache: ctx.probe?.cache, cacheDir: ctx.probe?.cacheDir, vcpuStartCheck: ctx.probe?.vcpuStartCheck };
    return await useHost(
      ctx.pool,
      request.connection!,
      async (transport) => {
        const facts = ctx.factsOf(transport, entry.qemuBinary);
        const caps = await probeOver(transport, request, { ...options, facts });
        return { entry, name, caps: { ...caps, host: name }, facts: await facts.catch(() => undefined) };
      },
      { hostTimeoutMs: ctx.probe?.hostTimeoutMs },
    );
  } catch (err) {
    return { entry, name, problem: problemOf(err, name, 'probing this host') };
  }
}

/**
 * Whether every host still has the fingerprint stored with a baseline: per
 * host one connection and one facts exec (up to `concurrency` hosts at
 * once), no QEMU. A host that cannot be reached is a miss: the search then
 * reports it.
 */
export async function unchangedEverywhere(ctx: BaselineHostContext, hosts: readonly HostEntry[], stored: StoredRun, concurrency: number): Promise<boolean> {
  const unchanged = await runBounded(hosts, concurrency, async (entry, i) => {
    try {
      const facts = await useHost(ctx.pool, connectionOf(entry), (t) => ctx.factsOf(t, entry.qemuBinary), { hostTimeoutMs: ctx.probe?.hostTimeoutMs });
      return hostUnchanged(stored.entries[i], facts);
    } catch {
      return false;
    }
  });
  return unchanged.every(Boolean);
}
