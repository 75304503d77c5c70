/**
 * The layer order (.dependency-cruiser.js, explained in
 * docs/architecture.md) holds for every import of the sources: an upward or
 * sideways import, an index that re-exports another layer, or a production
 * module that imports a test fails the suite, and so CI.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../../harness/paths';

describe('the layer order', () => {
  it('every import of the sources follows .dependency-cruiser.js', () => {
    const depcruise = path.join(repoRoot, 'node_modules', '.bin', 'depcruise');
    const run = spawnSync(depcruise, ['provider', 'sdk/index.ts', 'harness', 'bench', 'test', 'examples', '--config', '.dependency-cruiser.js', '--output-type', 'err'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    // depcruise exits with the number of violations; its report names each import and the rule it breaks.
    expect({ status: run.status, report: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, report: expect.stringContaining('no dependency violations found') });
  }, 90_000);
});
