import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';

/** The environment variable that turns the code cache off: `QEMU_CPU_CODE_CACHE=off`. */
export const CODE_CACHE_ENV = 'QEMU_CPU_CODE_CACHE';

/** A CommonJS bundle, evaluated; `saveCodeCache` stores what V8 compiled for the next run. */
export interface LoadedBundle<T> {
  exports: T;
  /** Where the code cache is read from and written to; undefined when it is off. */
  cacheFile: string | undefined;
  /** Whether V8 took the stored code cache (false: none stored, rejected, or off). */
  cacheUsed: boolean;
  /**
   * Store V8's code for this bundle, if nothing usable was stored: call it
   * once the run is done, so the cache holds every function the run
   * compiled. Never throws; a failed write only loses the cache.
   */
  saveCodeCache(): void;
}

/** sha256 of the payload, then the payload: V8 does not checksum a code cache in release builds, so this does. */
const DIGEST_BYTES = 32;
/** How many caches a slot keeps (of different bundles or Nodes), the newest. */
const KEPT_PER_SLOT = 3;
/** A slot names a command (and whether it was asked for help); nothing else becomes a file name. */
const SLOT = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The code cache's slot for a command line (`probe ...`): the command, or
 * `<command>-help` for its help. Each slot's cache holds what that kind of
 * run compiles, so a help run's small cache never stands in for a probe's.
 */
export function cacheSlot(argv: readonly string[]): string {
  return argv.includes('-h') || argv.includes('--help') ? `${argv[0]}-help` : argv[0];
}

/**
 * Load a CommonJS bundle (scripts/bundle-cli.js builds the CLI's) the way
 * Node loads a module, but compiled as a vm.Script with V8's code cache of
 * an earlier run of the same `slot` (a command): V8 then neither parses
 * nor compiles what that run compiled. Node 20 has no API for this
 * (`module.enableCompileCache` arrived in Node 22.1).
 *
 * The cache lives in `$XDG_CACHE_HOME/qemu-cpu/code-cache` (else
 * `~/.cache/qemu-cpu/code-cache`), a file per slot and bundle (the newest
 * three of a slot are kept), named by a hash of the bundle's bytes, Node's
 * version and the CPU architecture, so a rebuilt bundle or another Node
 * never meets an old cache; V8 rejects a cache made under other V8 flags,
 * and the file's own checksum catches a damaged one. A rejected, damaged
 * or missing cache only costs the compile. `QEMU_CPU_CODE_CACHE=off` (or
 * no home directory) turns it off.
 */
export function loadBundle<T>(file: string, slot: string, env: NodeJS.ProcessEnv = process.env): LoadedBundle<T> {
  const source = fs.readFileSync(file);
  const dir = codeCacheDir(env);
  const key = createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  const cacheFile = dir && SLOT.test(slot) ? path.join(dir, `${slot}.${key}.v8`) : undefined;
  const cached = cacheFile ? readVerified(cacheFile) : undefined;
  // Node's own CommonJS wrapper, on the first line, so that stack traces keep the bundle's line numbers.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.toString('utf8')}\n})`, { filename: file, cachedData: cached });
  const cacheUsed = cached !== undefined && !script.cachedDataRejected;
  const module = { exports: {} as T };
  const run = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cacheFile,
    cacheUsed,
    saveCodeCache: () => {
      if (cacheFile && !cacheUsed) writeCache(cacheFile, `${slot}.`, script.createCachedData());
    },
  };
}

/** `$XDG_CACHE_HOME/qemu-cpu/code-cache`, else under the home directory; undefined when off or there is no home. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env[CODE_CACHE_ENV] === 'off') return undefined;
  // The same base as the fingerprint cache (probe/fingerprintCache.ts), without its error: no home is no code cache.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'qemu-cpu', 'code-cache');
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : accountHome();
  return home && path.isAbsolute(home) ? path.join(home, '.cache', 'qemu-cpu', 'code-cache') : undefined;
}

function accountHome(): string | undefined {
  try {
    return os.userInfo().homedir;
  } catch {
    return undefined;
  }
}

/** The payload of a cache file that this user alone could have written, whose checksum holds; else undefined. */
function readVerified(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const st = fs.fstatSync(fd);
      // Compiled code runs as it is found: a file another user owns or could write is not taken.
      if ((process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return undefined;
      data = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (data.length <= DIGEST_BYTES) return undefined;
  const payload = data.subarray(DIGEST_BYTES);
  return createHash('sha256').update(payload).digest().equals(data.subarray(0, DIGEST_BYTES)) ? payload : undefined;
}

/**
 * Write atomically (a temp file renamed over the name), then drop the
 * slot's oldest caches beyond {@link KEPT_PER_SLOT}: those of other
 * bundles or Nodes. A few are kept, so that checkouts or Node versions
 * used in turn do not each throw the other's cache away.
 */
function writeCache(file: string, slotPrefix: string, payload: Buffer): void {
  const dir = path.dirname(file);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, Buffer.concat([createHash('sha256').update(payload).digest(), payload]), { mode: 0o600 });
    fs.renameSync(temp, file);
    const others = fs
      .readdirSync(dir)
      .filter((name) => name.startsWith(slotPrefix) && name.endsWith('.v8') && name !== path.basename(file))
      .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { name } of others.slice(KEPT_PER_SLOT - 1)) fs.rmSync(path.join(dir, name), { force: true });
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      /* the cache is lost, nothing else */
    }
  }
}
