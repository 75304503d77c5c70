/**
 * A `--require` preload for loadedModules.integration.test.ts: when the
 * process exits, it writes what the process loaded to the file named by
 * QEMU_CPU_TEST_LOADED_MODULES, one a line: the path of every module
 * Node's CommonJS loader loaded (require.cache's keys; a vm-compiled
 * bundle is not among them, the addons it requires are), then
 * `builtin:<name>` for every one of Node's own modules loaded after the
 * preload (process.moduleLoadList). Without the variable it does nothing.
 */
import * as fs from 'node:fs';

/** Node's list of the modules of its own it has loaded ("NativeModule net", ...): long-standing, though not in its types. */
const loadList = (): string[] => (process as unknown as { moduleLoadList: string[] }).moduleLoadList;

const out = process.env.QEMU_CPU_TEST_LOADED_MODULES;
if (out) {
  const before = new Set(loadList());
  process.on('exit', () => {
    const builtins = loadList().filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => `builtin:${m.slice('NativeModule '.length)}`);
    fs.writeFileSync(out, [...Object.keys(require.cache), ...builtins].join('\n'));
  });
}
