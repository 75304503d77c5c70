import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { homeDir } from '../transport';
import { FingerprintSchema, type Fingerprint } from './fingerprint';

/**
 * How a probe uses the fingerprint cache:
 * - 'use' (default): answer from the cache when the host's fingerprint is unchanged, else ask QEMU and store;
 * - 'refresh': always ask QEMU, and store the answer;
 * - 'off': always ask QEMU, and neither read nor write the cache.
 */
export const CacheModeSchema = z.enum(['use', 'refresh', 'off']);
export type CacheMode = z.infer<typeof CacheModeSchema>;

/** Bump when the entry layout or the meaning of a stored value changes: older entries are then ignored. */
const FORMAT = 1;

/** One stored answer; `value` is validated by the reader's own schema. */
const EntrySchema = z
  .object({
    format: z.literal(FORMAT),
    kind: z.string().min(1),
    /** The host's label, for people reading the cache; never a credential. */
    host: z.string(),
    storedAt: z.string().datetime({ offset: true }),
    fingerprint: FingerprintSchema,
    value: z.unknown(),
  })
  .strict();

/** A stored answer with its fingerprint. */
export interface CacheEntry<T> {
  kind: string;
  host: string;
  storedAt: string;
  fingerprint: Fingerprint;
  value: T;
}

/** The controller's cache directory: $XDG_CACHE_HOME/qemu-cpu, else ~/.cache/qemu-cpu (a relative XDG_CACHE_HOME is ignored, as the spec says). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDir(env), '.cache');
  return path.join(base, 'qemu-cpu');
}

/**
 * Answers persisted on the controller, one file per slot (see cacheSlot):
 * `<dir>/v1/<slot>.json`. Reading never throws: a missing, unreadable,
 * corrupt or foreign file is a miss. Writing is atomic (a temp file renamed
 * over the slot), so concurrent processes see an old entry or a new one,
 * never half of one; a failed write only loses the cache.
 */
export class FingerprintCache {
  readonly dir: string;

  constructor(dir: string = defaultCacheDir()) {
    this.dir = path.join(dir, `v${FORMAT}`);
  }

  /** The file of a slot. */
  file(slot: string): string {
    if (!/^[0-9a-f]{64}$/.test(slot)) throw new RangeError('a cache slot is a SHA-256 hex digest');
    return path.join(this.dir, `${slot}.json`);
  }

  /**
   * The entry in a slot, or undefined. Only the envelope and the fingerprint
   * are validated here; `value` is validated by {@link validValue} once the
   * fingerprint has matched, so a miss does not pay for it.
   */
  async read(slot: string, kind: string): Promise<CacheEntry<unknown> | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file(slot), 'utf8');
    } catch {
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = EntrySchema.safeParse(json);
    if (!parsed.success || parsed.data.kind !== kind) return undefined;
    const { format: _format, ...entry } = parsed.data;
    return entry as CacheEntry<unknown>;
  }

  /** Store an entry atomically. Resolves false (and leaves no temp file) when the cache cannot be written. */
  async write<T>(slot: string, entry: CacheEntry<T>): Promise<boolean> {
    const file = this.file(slot);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await fs.writeFile(tmp, JSON.stringify({ format: FORMAT, ...entry }), { mode: 0o600 });
      await fs.rename(tmp, file);
      return true;
    } catch {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      return false;
    }
  }
}

/** The entry's value if it passes `schema`, else undefined. */
export function validValue<S extends z.ZodTypeAny>(entry: CacheEntry<unknown>, schema: S): z.infer<S> | undefined {
  const parsed = schema.safeParse(entry.value);
  return parsed.success ? parsed.data : undefined;
}
