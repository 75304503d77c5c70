/**
 * The published package (package.json `files`) holds what users run: the
 * compiled provider, the CLI's bundle (dist/cli/commands.js, without its
 * build metafile), the SDK entry, bin/ and schema.json. The tests, their
 * support, the harness, the bench and the examples are compiled into dist/
 * too (the suite runs there) but are not published.
 */
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../../harness/paths';

const NOT_PUBLISHED = /\.test\.|\.testkit\.|^dist\/(test|harness|bench|examples)\/|\.meta\.json$/;

describe('the published package', () => {
  it('lists no test, test support, harness, bench or example file, and the entry points it needs', () => {
    const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const [pack] = JSON.parse(run.stdout) as Array<{ files: Array<{ path: string }> }>;
    const files = pack.files.map((f) => f.path);
    expect(files.filter((f) => NOT_PUBLISHED.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/sdk/index.js', 'dist/provider/surfaces/cli/main.js', 'dist/cli/commands.js', 'dist/provider/surfaces/plugin/main.js', 'bin/qemu-cpu.js', 'schema.json']));
  }, 90_000);
});
