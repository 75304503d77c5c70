/**
 * The fingerprint cache against a real loopback sshd and real QEMU: a warm
 * probe is one SSH connection and one exec and starts no QEMU; a changed
 * host, a corrupt entry, 'refresh' and 'off' all ask QEMU again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeHost } from './probeHost';
import { TransportPool } from './transportPool';
import { FingerprintCache } from './fingerprintCache';
import { countingPool, type SpawnCounter } from '../../harness/countingTransport';
import { scratchDir } from '../../harness/paths';
import { startSshd, type Sshd } from '../../harness/sshd';
import type { HostCapabilities } from '../model';
import { runCli } from '../surfaces/cli/cliRunner.testkit';
import { realAccel } from '../../harness/accel';
import { expectNoCacheCycle } from '../../test/support/noCacheCycle';

describe('probeHost with the fingerprint cache (real loopback sshd, real QEMU)', () => {
  let sshd: Sshd;
  let cacheDir: string;
  let wrapperDir: string;
  const pools: TransportPool[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    fs.mkdirSync(scratchDir, { recursive: true });
    wrapperDir = fs.mkdtempSync(path.join(scratchDir, 'qemu-wrapper-'));
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.closeAll()));
    await sshd?.stop();
    fs.rmSync(wrapperDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(scratchDir, 'probe-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  /** A fresh pool (so a fresh SSH connection) whose transports count what they run. */
  function freshPool(): { pool: TransportPool; counter: SpawnCounter } {
    const counted = countingPool();
    pools.push(counted.pool);
    return counted;
  }

  const probe = (pool: TransportPool, extra: Record<string, unknown> = {}, cache?: 'use' | 'refresh' | 'off') =>
    probeHost({ connection: sshd.connection({ name: 'kvm-a' }), accelerator: realAccel, ...extra }, { pool, cacheDir, cache });

  const comparable = (c: HostCapabilities) => ({ ...c, fromCache: undefined, hostCpu: { ...c.hostCpu, flags: [] } });

  it('a cache hit is one connection, one exec and no QEMU, and returns the cold answer', async () => {
    const first = freshPool();
    const cold = await probe(first.pool);
    expect(cold.fromCache).toBeUndefined();
    expect(first.counter).toEqual(expect.objectContaining({ qemuStarts: 1, facts: 1 }));

    const second = freshPool();
    const warm = await probe(second.pool);
    expect(warm.fromCache).toBe(true);
    expect(second.pool.opened).toBe(1);
    expect(second.counter).toEqual(expect.objectContaining({ spawns: 1, facts: 1, qemuStarts: 0 }));
    // probedAt stays the time QEMU answered.
    expect(warm.probedAt).toBe(cold.probedAt);
    expect(comparable(warm)).toEqual(comparable(cold));
    expect(warm.hostCpu?.flags).toEqual(cold.hostCpu?.flags);
  });

  it('the connection is reused: probes on one pool share one SSH connection', async () => {
    const { pool, counter } = freshPool();
    await probe(pool);
    await probe(pool);
    await probe(pool, { machineType: 'pc-q35-7.2' });
    expect(pool.opened).toBe(1);
    expect(counter.qemuStarts).toBe(2); // 'none' once, then 'pc-q35-7.2': another request, another slot
  });

  it("'refresh' asks QEMU and stores; 'off' asks QEMU and stores nothing", async () => {
    const { pool, counter } = freshPool();
    await probe(pool, {}, 'off');
    expect(fs.existsSync(path.join(cacheDir, 'v1'))).toBe(false);
    await probe(pool, {}, 'refresh');
    await probe(pool, {}, 'refresh');
    expect(counter.qemuStarts).toBe(3);
    expect(fs.readdirSync(path.join(cacheDir, 'v1'))).toHaveLength(1);
    const warm = await probe(pool);
    expect(warm.fromCache).toBe(true);
    expect(counter.qemuStarts).toBe(3);
  });

  it('a changed QEMU binary (new mtime) invalidates: QEMU runs again and the entry is replaced', async () => {
    const binary = path.join(wrapperDir, 'qemu-system-x86_64');
    fs.writeFileSync(binary, '#!/bin/sh\nexec /usr/bin/qemu-system-x86_64 "$@"\n', { mode: 0o755 });
    fs.utimesSync(binary, 1_600_000_000, 1_600_000_000);
    const { pool, counter } = freshPool();
    await probe(pool, { qemuBinary: binary });
    expect((await probe(pool, { qemuBinary: binary })).fromCache).toBe(true);
    expect(counter.qemuStarts).toBe(1);

    fs.utimesSync(binary, 1_600_000_100, 1_600_000_100);
    const after = await probe(pool, { qemuBinary: binary });
    expect(after.fromCache).toBeUndefined();
    expect(counter.qemuStarts).toBe(2);
    expect((await probe(pool, { qemuBinary: binary })).fromCache).toBe(true);
    expect(counter.qemuStarts).toBe(2);
  });

  it('a corrupted entry is ignored and rewritten', async () => {
    const { pool, counter } = freshPool();
    await probe(pool);
    const [file] = fs.readdirSync(path.join(cacheDir, 'v1'));
    const full = path.join(cacheDir, 'v1', file);
    const text = fs.readFileSync(full, 'utf8');
    // A valid envelope whose capability model is broken, then plain garbage.
    fs.writeFileSync(full, text.replace(/"models":\[/, '"models":[42,'));
    expect((await probe(pool)).fromCache).toBeUndefined();
    fs.writeFileSync(full, text.slice(0, text.length / 2));
    expect((await probe(pool)).fromCache).toBeUndefined();
    expect(counter.qemuStarts).toBe(3);
    expect((await probe(pool)).fromCache).toBe(true);
    expect(counter.qemuStarts).toBe(3);
  });

  it('an entry stored under one fingerprint does not answer for another (a stored key altered)', async () => {
    const { pool, counter } = freshPool();
    await probe(pool);
    const cache = new FingerprintCache(cacheDir);
    const [file] = fs.readdirSync(cache.dir);
    const slot = file.replace(/\.json$/, '');
    const entry = (await cache.read(slot, 'probe'))!;
    for (const change of [{ kernelRelease: '0.0.0-other' }, { microcode: '0xdead' }, { kvmAccess: 'denied' as const }, { qemuCpuVersion: '0.0.0' }]) {
      await cache.write(slot, { ...entry, fingerprint: { ...entry.fingerprint, ...change } });
      expect((await probe(pool)).fromCache).toBeUndefined();
    }
    expect(counter.qemuStarts).toBe(5);
  });

  it('the CLI uses the cache (under XDG_CACHE_HOME); --no-cache asks QEMU and replaces the entry', async () => {
    const args = ['probe', `${sshd.user}@127.0.0.1:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', 'tcg', '--json'];
    await expectNoCacheCycle(async (extra = []) => JSON.parse((await runCli([...args, ...extra])).stdout) as HostCapabilities);
  });

  it('stores no credential: the host appears by label only', async () => {
    const { pool } = freshPool();
    await probeHost({ connection: sshd.connection({ name: 'kvm-secretless', privateKey: undefined, privateKeyPath: sshd.privateKeyPath }), accelerator: realAccel }, { pool, cacheDir });
    await probe(pool);
    const files = fs.readdirSync(path.join(cacheDir, 'v1'));
    expect(files).toHaveLength(2);
    const keyBody = sshd.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'))[0];
    for (const f of files) {
      const text = fs.readFileSync(path.join(cacheDir, 'v1', f), 'utf8');
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain(sshd.privateKeyPath);
      expect(text).not.toContain('PRIVATE KEY');
      expect(JSON.parse(text).host).toMatch(/^kvm-(a|secretless)$/);
    }
  });
});
