import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { HostFacts } from '../launcher';
import { BaselineReportSchema, type BaselineReport } from './baselineReport';
import { cacheSlot, fingerprintChanges, observedFingerprint, type HostIdentity } from './fingerprint';
import { FingerprintCache, validValue, type CacheEntry, type CacheMode } from './fingerprintCache';
import { qemuCpuVersion } from './ownVersion';

/** The cache kind of fleet baselines. */
const KIND = 'baseline';

/**
 * One host's entry of a stored baseline. A baseline is the answer of the
 * whole fleet, so it stands only while every host's fingerprint matches:
 * each host has its own entry (its own fingerprint, in its own slot), all
 * written by one run (`run`), and the first host's entry carries the report.
 */
const StoredBaselineSchema = z.object({
  run: z.string().regex(/^[0-9a-f]{16}$/),
  report: BaselineReportSchema.optional(),
});
type StoredBaseline = z.infer<typeof StoredBaselineSchema>;

/** One host of the fleet, as the cache knows it: who is asked, and with which QEMU. */
export interface BaselineCacheHost {
  identity: HostIdentity;
  qemuBinary: string | null;
}

/**
 * The fleet baseline in the fingerprint cache (kind 'baseline'). A warm
 * baseline of unchanged hosts reads each host's entry and its facts (one
 * exec per host) and starts no QEMU; a changed host, a missing or foreign
 * entry, or entries of different runs are a miss, and the baseline is
 * searched again (its probes and checks still go through their own
 * caches). Only decided answers are stored: a host that could not be asked
 * says nothing about the next run.
 */
export class BaselineCache {
  private readonly cache: FingerprintCache | undefined;
  private readonly slots: string[];

  /**
   * @param question - everything the answer depends on besides the hosts'
   *   fingerprints: the CPU asked (features, machine type, accelerator), the
   *   fleet's demands and the search's options.
   */
  constructor(
    private readonly hosts: readonly BaselineCacheHost[],
    question: Record<string, unknown>,
    private readonly options: { cache?: CacheMode; cacheDir?: string } = {},
  ) {
    this.cache = options.cache === 'off' ? undefined : new FingerprintCache(options.cacheDir);
    const fleet = hosts.map((h) => ({ identity: h.identity, qemuBinary: h.qemuBinary }));
    // Each slot names the whole fleet, in order: the same host in another fleet is another question.
    this.slots = hosts.map((h, index) => cacheSlot(h.identity, KIND, { ...question, fleet, index }));
  }

  /**
   * The stored entries of one run for every host, or undefined (nothing to
   * check the facts against: the caller searches at once, no exec spent).
   */
  async stored(): Promise<StoredRun | undefined> {
    if (!this.cache || (this.options.cache ?? 'use') !== 'use') return undefined;
    const cache = this.cache;
    const entries = await Promise.all(this.slots.map((slot) => cache.read(slot, KIND)));
    if (entries.some((e) => e === undefined)) return undefined;
    const values = entries.map((e) => validValue(e!, StoredBaselineSchema) as StoredBaseline | undefined);
    const report = values[0]?.report;
    if (report === undefined || values.some((v) => v === undefined || v.run !== values[0]!.run)) return undefined;
    return { entries: entries as Array<CacheEntry<unknown>>, report };
  }

  /**
   * Store a decided report with each host's facts and QEMU version (its
   * probe's). Nothing is stored when a host's facts cannot vouch for it.
   */
  async store(report: BaselineReport, facts: ReadonlyArray<HostFacts | undefined>, qemuVersions: ReadonlyArray<string | null>): Promise<void> {
    if (!this.cache || !report.decided) return;
    const own = qemuCpuVersion();
    const fingerprints = facts.map((f, i) => {
      const observed = f && observedFingerprint(f, own);
      const qemuVersion = qemuVersions[i];
      return observed && qemuVersion !== null ? { ...observed, qemuVersion } : undefined;
    });
    if (fingerprints.some((f) => f === undefined)) return;
    const run = randomBytes(8).toString('hex');
    const storedAt = new Date().toISOString();
    const cache = this.cache;
    await Promise.all(
      this.slots.map((slot, i) =>
        cache.write<StoredBaseline>(slot, { kind: KIND, host: this.hosts[i].identity.label, storedAt, fingerprint: fingerprints[i]!, value: i === 0 ? { run, report } : { run } }),
      ),
    );
  }
}

/** A stored run: every host's entry, and the report. */
export interface StoredRun {
  entries: Array<CacheEntry<unknown>>;
  report: BaselineReport;
}

/** True when this host's facts match its stored fingerprint (the QEMU version stands in the binary's path, size and mtime, as for probes). */
export function hostUnchanged(entry: CacheEntry<unknown>, facts: HostFacts): boolean {
  const observed = observedFingerprint(facts, qemuCpuVersion());
  return observed !== undefined && fingerprintChanges(entry.fingerprint, observed).length === 0;
}

/** A stored report as a hit returns it: every verdict of its ground truth marked as cached. */
export function fromCache(report: BaselineReport): BaselineReport {
  if (!report.verification) return report;
  return { ...report, verification: { ...report.verification, hosts: report.verification.hosts.map((h) => ({ ...h, fromCache: true })) } };
}
