import * as path from 'node:path';

/** The checkout's root, from dist/harness or harness alike. */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
/** The recorded QMP exchanges shared beside the checkout. */
export const qmpFixturesDir = path.resolve(repoRoot, '../shared/fixtures/qmp');
/** Scratch space for tests and the bench; ignored by git. */
export const scratchDir = path.join(repoRoot, '.tmp');
