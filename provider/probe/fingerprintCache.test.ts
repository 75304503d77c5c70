import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { FingerprintCache, defaultCacheDir, validValue, type CacheEntry } from './fingerprintCache';
import type { Fingerprint } from './fingerprint';

const FINGERPRINT: Fingerprint = {
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  qemuBinarySize: 1,
  qemuBinaryMtime: 2,
  qemuVersion: '7.2.22',
  kernelRelease: '6.1.0',
  arch: 'x86_64',
  cpuSignature: 'AuthenticAMD 25/17/1',
  microcode: '0x1',
  cpuFlagsHash: 'a'.repeat(64),
  kvmAccess: 'rw',
  kvmParams: {},
  qemuCpuVersion: '0.1.0',
};
const SLOT = 'b'.repeat(64);
const entry: CacheEntry<{ answer: number }> = { kind: 'probe', host: 'kvm-01', storedAt: '2025-01-01T00:00:00.000Z', fingerprint: FINGERPRINT, value: { answer: 42 } };

describe('FingerprintCache', () => {
  let dir: string;
  let cache: FingerprintCache;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-cache-test-'));
    cache = new FingerprintCache(dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back what it wrote, from a private file, leaving no temp file', async () => {
    expect(await cache.write(SLOT, entry)).toBe(true);
    expect(await cache.read(SLOT, 'probe')).toEqual(entry);
    expect(fs.readdirSync(cache.dir)).toEqual([`${SLOT}.json`]);
    expect(fs.statSync(cache.file(SLOT)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cache.dir).mode & 0o777).toBe(0o700);
  });

  it('a missing slot, or another kind in it, is a miss', async () => {
    expect(await cache.read(SLOT, 'probe')).toBeUndefined();
    await cache.write(SLOT, entry);
    expect(await cache.read(SLOT, 'verify')).toBeUndefined();
  });

  it.each([
    ['garbage', 'not json at all'],
    ['truncated JSON', () => JSON.stringify({ format: 1, ...entry }).slice(0, 100)],
    ['an empty file', ''],
    ['another format', () => JSON.stringify({ ...entry, format: 2 })],
    ['a fingerprint with a missing key', () => JSON.stringify({ format: 1, ...entry, fingerprint: { ...FINGERPRINT, kernelRelease: undefined } })],
    ['a fingerprint with an unknown key', () => JSON.stringify({ format: 1, ...entry, fingerprint: { ...FINGERPRINT, extra: 1 } })],
    ['a bad flags hash', () => JSON.stringify({ format: 1, ...entry, fingerprint: { ...FINGERPRINT, cpuFlagsHash: 'zz' } })],
    ['a JSON array', '[]'],
  ])('a corrupted file is ignored: %s', async (_what, content) => {
    fs.mkdirSync(cache.dir, { recursive: true });
    fs.writeFileSync(cache.file(SLOT), typeof content === 'function' ? content() : content);
    expect(await cache.read(SLOT, 'probe')).toBeUndefined();
  });

  it("the value is checked by the reader's schema", async () => {
    await cache.write(SLOT, entry);
    const read = (await cache.read(SLOT, 'probe'))!;
    expect(validValue(read, z.object({ answer: z.number() }))).toEqual({ answer: 42 });
    expect(validValue(read, z.object({ answer: z.string() }))).toBeUndefined();
  });

  it('a write that cannot happen only loses the cache, and leaves no temp file', async () => {
    fs.writeFileSync(path.join(dir, 'v1'), 'a file where the directory should be');
    expect(await cache.write(SLOT, entry)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual(['v1']);
  });

  it('concurrent writers leave one whole entry', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => cache.write(SLOT, { ...entry, value: { answer: i } }));
    expect(await Promise.all(writes)).toEqual(Array(20).fill(true));
    const read = await cache.read(SLOT, 'probe');
    expect(read?.value).toEqual({ answer: expect.any(Number) });
    expect(fs.readdirSync(cache.dir)).toEqual([`${SLOT}.json`]);
  });

  it('refuses a slot that is not a digest (no path tricks)', () => {
    expect(() => cache.file('../../etc/passwd')).toThrow(RangeError);
  });
});

describe('defaultCacheDir', () => {
  it('is $XDG_CACHE_HOME/qemu-cpu', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/qemu-cpu');
  });
  it('falls back to ~/.cache/qemu-cpu, also when XDG_CACHE_HOME is relative (the spec says to ignore it)', () => {
    const home = path.join(os.homedir(), '.cache', 'qemu-cpu');
    expect(defaultCacheDir({})).toBe(home);
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative/cache' })).toBe(home);
  });
});
