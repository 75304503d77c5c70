import type { z } from 'zod';
import type { HostFacts } from '../launcher';
import { cacheSlot, fingerprintChanges, observedFingerprint, type HostIdentity } from './fingerprint';
import { FingerprintCache, validValue, type CacheMode } from './fingerprintCache';
import { qemuCpuVersion } from './ownVersion';

/** A question to QEMU whose answer depends only on what is asked and on the host's fingerprint. */
export interface FingerprintedQuestion<T> {
  /** The cache kind: 'probe', 'verify'. */
  kind: string;
  /** Who is asked. */
  identity: HostIdentity;
  /** What is asked besides the host; with the identity and kind it names the cache slot. */
  request: Record<string, unknown>;
  /** Validates a stored answer; one that fails is a miss. */
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** The QEMU version ('major.minor.micro') an answer came from; stored with the fingerprint and checked on a hit. */
  qemuVersionOf: (answer: T) => string | null;
  /** Ask QEMU. */
  ask: () => Promise<T>;
  /** A stored answer as a hit returns it, given the facts just read (host fields fresh, marked as cached). */
  fromCache: (answer: T, facts: HostFacts) => T;
}

/** How to use the cache, and where it is. */
export interface FingerprintedOptions {
  /** 'use' (default), 'refresh' or 'off'. */
  cache?: CacheMode;
  /** Default $XDG_CACHE_HOME/qemu-cpu, else ~/.cache/qemu-cpu. */
  cacheDir?: string;
}

/**
 * The answer to a question, from the cache when the host's fingerprint
 * still matches the stored one, else from QEMU (then stored).
 *
 * `facts` is the host's facts exec, already under way: with nothing stored
 * for the question (or with the cache refreshing) QEMU is asked at once
 * beside it, so a cold answer costs no extra round trip. With a stored
 * entry the facts decide: an unchanged fingerprint answers from the cache
 * (no QEMU); a changed one asks QEMU and replaces the entry. An answer whose
 * facts could not be read is returned but not stored.
 */
export async function answerFingerprinted<T>(facts: Promise<HostFacts>, question: FingerprintedQuestion<T>, options: FingerprintedOptions = {}): Promise<T> {
  const mode = options.cache ?? 'use';
  const cache = mode === 'off' ? undefined : new FingerprintCache(options.cacheDir);
  const slot = cacheSlot(question.identity, question.kind, question.request);
  const stored = mode === 'use' ? await cache?.read(slot, question.kind) : undefined;
  if (stored) {
    const observed = observedFingerprint(await facts, qemuCpuVersion());
    if (observed && fingerprintChanges(stored.fingerprint, observed).length === 0) {
      const value = validValue(stored, question.schema) as T | undefined;
      if (value !== undefined && question.qemuVersionOf(value) === stored.fingerprint.qemuVersion) return question.fromCache(value, await facts);
    }
  }

  const answer = await question.ask();
  const observed = cache ? await facts.then((f) => observedFingerprint(f, qemuCpuVersion()), () => undefined) : undefined;
  const qemuVersion = question.qemuVersionOf(answer);
  if (cache && observed && qemuVersion !== null) {
    await cache.write<T>(slot, {
      kind: question.kind,
      host: question.identity.label,
      storedAt: new Date().toISOString(),
      fingerprint: { ...observed, qemuVersion },
      value: answer,
    });
  }
  return answer;
}
