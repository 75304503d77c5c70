import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostFacts } from '../launcher';
import { noRenderings } from '../model';
import { BaselineCache, hostUnchanged, type BaselineCacheHost } from './baselineCache';
import type { BaselineReport } from './baselineReport';

const cpuinfo = 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 94\nmodel name\t: Intel Xeon E3-1245 v5\nstepping\t: 3\nmicrocode\t: 0xf0\nflags\t\t: fpu sse sse2 pni avx2\n';
const factsOf = (kernelRelease: string): HostFacts => ({
  kernelRelease,
  arch: 'x86_64',
  kvmAccess: 'rw',
  binary: '/usr/bin/qemu-system-x86_64',
  binaryStat: { size: 1, mtime: 1 },
  kvmParams: {},
  cpuinfo,
});
const fleet: BaselineCacheHost[] = ['a', 'b'].map((label) => ({ identity: { label, ssh: { host: label, port: 22, user: null, via: null } }, qemuBinary: null }));
const question = { requiredFeatures: [], disabledFeatures: ['pni'], machineType: 'q35', accelerator: 'kvm' };
const report = (reason: string, decided = true): BaselineReport => ({
  ok: false,
  decided,
  reason,
  model: null,
  extraFeatures: [],
  refusedExtras: [],
  selection: null,
  ...noRenderings(),
  hosts: [],
  candidates: [],
  migration: { blockers: [], machineTypes: [], suggestedMachineType: null },
  verification: null,
  x86Level: null,
  minimumLevel: null,
  policy: null,
  method: null,
});

describe('BaselineCache: a fleet answer, one entry per host', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baseline-cache-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const facts = [factsOf('6.1.0'), factsOf('6.1.0')];

  it('a decided answer stands while every host keeps its fingerprint', async () => {
    await new BaselineCache(fleet, question, { cacheDir: dir }).store(report('stored'), facts, ['7.2.0', '7.2.0']);
    const stored = await new BaselineCache(fleet, question, { cacheDir: dir }).stored();
    expect(stored?.report.reason).toBe('stored');
    expect(stored!.entries.map((e, i) => hostUnchanged(e, facts[i]))).toEqual([true, true]);
    expect(hostUnchanged(stored!.entries[1], factsOf('6.1.1'))).toBe(false);
  });

  it('another question or another fleet is another slot', async () => {
    await new BaselineCache(fleet, question, { cacheDir: dir }).store(report('stored'), facts, ['7.2.0', '7.2.0']);
    expect(await new BaselineCache(fleet, { ...question, disabledFeatures: [] }, { cacheDir: dir }).stored()).toBeUndefined();
    expect(await new BaselineCache([fleet[1], fleet[0]], question, { cacheDir: dir }).stored()).toBeUndefined();
    expect(await new BaselineCache(fleet.slice(0, 1), question, { cacheDir: dir }).stored()).toBeUndefined();
  });

  it('entries of two runs never make one answer', async () => {
    const cache = new BaselineCache(fleet, question, { cacheDir: dir });
    await cache.store(report('first'), facts, ['7.2.0', '7.2.0']);
    const files = () => fs.readdirSync(path.join(dir, 'v1')).map((f) => path.join(dir, 'v1', f));
    const before = new Map(files().map((f) => [f, fs.readFileSync(f, 'utf8')]));
    await cache.store(report('second'), facts, ['7.2.0', '7.2.0']);
    // One host's entry from the first run beside the other's from the second: as if a run had stopped halfway.
    const kept = files().find((f) => !fs.readFileSync(f, 'utf8').includes('"report"'))!;
    fs.writeFileSync(kept, before.get(kept)!);
    expect(await cache.stored()).toBeUndefined();
  });

  it('nothing is stored for an undecided answer, a host whose facts cannot vouch for it, or with the cache off; refresh stores but never reads', async () => {
    await new BaselineCache(fleet, question, { cacheDir: dir }).store(report('undecided', false), facts, ['7.2.0', '7.2.0']);
    await new BaselineCache(fleet, question, { cacheDir: dir }).store(report('no binary'), [facts[0], { ...facts[1], binaryStat: null }], ['7.2.0', '7.2.0']);
    await new BaselineCache(fleet, question, { cacheDir: dir, cache: 'off' }).store(report('off'), facts, ['7.2.0', '7.2.0']);
    expect(fs.existsSync(path.join(dir, 'v1'))).toBe(false);
    await new BaselineCache(fleet, question, { cacheDir: dir, cache: 'refresh' }).store(report('refreshed'), facts, ['7.2.0', '7.2.0']);
    expect(await new BaselineCache(fleet, question, { cacheDir: dir, cache: 'refresh' }).stored()).toBeUndefined();
    expect((await new BaselineCache(fleet, question, { cacheDir: dir }).stored())?.report.reason).toBe('refreshed');
  });
});
