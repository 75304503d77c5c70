import * as path from 'node:path';

/** The checkout's root, from dist/test/support or test/support alike. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
/** The recorded QMP exchanges shared beside the checkout. */
export const qmpFixturesDir = path.resolve(repoRoot, '../shared/fixtures/qmp');
/** Scratch space for tests; ignored by git. */
export const scratchDir = path.join(repoRoot, '.tmp');
