import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheSlot, codeCacheDir, loadBundle } from './bundleLoader';

describe('the code cache of the CLI bundle', () => {
  let dir: string;
  let bundle: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-bundle-'));
    bundle = path.join(dir, 'bundle.js');
    fs.writeFileSync(bundle, "exports.answer = (n) => n * 2; exports.dir = __dirname; exports.req = typeof require('node:path').join;\n");
    env = { XDG_CACHE_HOME: path.join(dir, 'cache') };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cacheFiles = () => fs.readdirSync(path.join(dir, 'cache/qemu-cpu/code-cache'));

  it('runs the bundle as a CommonJS module, then uses the cache the first run stored', () => {
    const first = loadBundle<{ answer: (n: number) => number; dir: string; req: string }>(bundle, 'probe', env);
    expect([first.exports.answer(21), first.exports.dir, first.exports.req]).toEqual([42, dir, 'function']);
    expect(first.cacheUsed).toBe(false);
    first.saveCodeCache();
    expect(cacheFiles()).toEqual([path.basename(first.cacheFile!)]);
    expect(path.basename(first.cacheFile!)).toMatch(/^probe\.[0-9a-f]{32}\.v8$/);
    expect(fs.statSync(first.cacheFile!).mode & 0o777).toBe(0o600);
    const second = loadBundle<{ answer: (n: number) => number }>(bundle, 'probe', env);
    expect(second.cacheUsed).toBe(true);
    expect(second.exports.answer(2)).toBe(4);
  });

  it('keys the cache by the bundle’s bytes, and keeps the newest three of a slot', () => {
    const names: string[] = [];
    for (let build = 0; build < 4; build++) {
      fs.appendFileSync(bundle, `exports.build = ${build};\n`);
      const run = loadBundle<{ build: number }>(bundle, 'probe', env);
      expect([run.cacheUsed, run.exports.build]).toEqual([false, build]);
      run.saveCodeCache();
      names.push(path.basename(run.cacheFile!));
      // Distinct mtimes, so "newest" is well defined here.
      fs.utimesSync(run.cacheFile!, build + 1, build + 1);
    }
    expect(new Set(names).size).toBe(4);
    expect(cacheFiles().sort()).toEqual(names.slice(1).sort());
    expect(loadBundle(bundle, 'probe', env).cacheUsed).toBe(true);
  });

  it('ignores a damaged cache file, and one that others could have written', () => {
    const first = loadBundle(bundle, 'check', env);
    first.saveCodeCache();
    const file = first.cacheFile!;
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 0xff])]), { mode: 0o600 });
    expect(loadBundle(bundle, 'check', env).cacheUsed).toBe(false);
    fs.writeFileSync(file, good);
    fs.chmodSync(file, 0o666);
    expect(loadBundle(bundle, 'check', env).cacheUsed).toBe(false);
    fs.chmodSync(file, 0o600);
    expect(loadBundle(bundle, 'check', env).cacheUsed).toBe(true);
  });

  it('is off with QEMU_CPU_CODE_CACHE=off, and a cache that cannot be written only costs the compile', () => {
    const off = loadBundle<{ answer: (n: number) => number }>(bundle, 'probe', { ...env, QEMU_CPU_CODE_CACHE: 'off' });
    expect(off.cacheFile).toBeUndefined();
    off.saveCodeCache();
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'cache'), 'a file where the directory would be');
    const blocked = loadBundle<{ answer: (n: number) => number }>(bundle, 'probe', env);
    expect(() => blocked.saveCodeCache()).not.toThrow();
    expect(blocked.exports.answer(1)).toBe(2);
  });

  it('lives under XDG_CACHE_HOME, else the home directory', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/qemu-cpu/code-cache');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/me' })).toBe('/home/me/.cache/qemu-cpu/code-cache');
  });

  it('has a slot per command, and one per command’s help', () => {
    expect(cacheSlot(['probe', 'kvm-01', '--json'])).toBe('probe');
    expect(cacheSlot(['check', '--help'])).toBe('check-help');
    expect(cacheSlot(['baseline', '-h'])).toBe('baseline-help');
  });
});
