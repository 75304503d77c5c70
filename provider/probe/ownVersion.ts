import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * qemu-cpu's own version, from its package.json: the nearest one named
 * qemu-cpu above this file (provider/probe in the sources, dist/provider/probe
 * when built). Read once.
 */
export function qemuCpuVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'qemu-cpu' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      /* no package.json here */
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
