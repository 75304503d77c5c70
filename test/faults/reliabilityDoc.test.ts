/**
 * docs/reliability.md stays true: every fault and bad input it lists has a
 * test whose name carries the row's id in brackets, every such id in a test
 * name is listed, and the limits it quotes are the code's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../harness/paths';
import { DEFAULT_TIMEOUTS } from '../../provider/launcher/launchOptions';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../provider/qmp/framer';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS } from '../../provider/transport/ssh/backoff';
import { ConnectionSchema } from '../../provider/transport/connectionSchema';
import { HOST_SILENCE_MS } from '../../provider/transport/ssh/dial';
import { DEFAULT_HOST_TIMEOUT_S } from '../../provider/surfaces/cli/runLimits';
import { MAX_FEATURES, MAX_HOSTS, MAX_INPUT_FILE_BYTES, MAX_NESTING_DEPTH } from '../../provider/inventory/inputLimits';

const doc = fs.readFileSync(path.join(repoRoot, 'docs/reliability.md'), 'utf8');
/** The ids of the doc's tables: the first cell of each row, in backticks. */
const docIds = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
/** Ids have these prefixes; a bracketed word with one in a test name is a claim about this page. */
const ID_TAG = /\[((?:qemu|ssh|kvm|fleet|input|qmp|secret|suite|cli|cache)-[a-z0-9-]+)\]/g;

/** Every test source of the checkout (TypeScript, not the build), outside node_modules and dist. */
function testSources(dir = repoRoot, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', '.git', '.tmp'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) testSources(full, out);
    else if (/\.test\.ts$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** id -> the test files whose test or describe names carry it. */
function idsInTests(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of testSources()) {
    const text = fs.readFileSync(file, 'utf8');
    // Only names: the first string argument of it/test/describe (and variants such as it.concurrent, it.each(...)).
    for (const call of text.matchAll(/\b(?:it|test|describe|maybe|itWithKvm|itWithoutKvm|describeWithKvm)(?:\.\w+)*(?:\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
      for (const tag of call[2].matchAll(ID_TAG)) {
        const files = found.get(tag[1]) ?? [];
        files.push(path.relative(repoRoot, file));
        found.set(tag[1], files);
      }
    }
  }
  return found;
}

describe('docs/reliability.md', () => {
  it('lists each id once', () => {
    expect(docIds.length).toBeGreaterThan(30);
    expect(docIds.filter((id, i) => docIds.indexOf(id) !== i)).toEqual([]);
  });

  it('has a test for every fault and bad input it lists', () => {
    const tested = idsInTests();
    expect(docIds.filter((id) => !tested.has(id))).toEqual([]);
  });

  it('lists every id that a test name claims', () => {
    const tested = idsInTests();
    expect([...tested.keys()].filter((id) => !docIds.includes(id))).toEqual([]);
  });

  it('quotes the limits the code has', () => {
    const defaults = ConnectionSchema.parse({ host: 'h' });
    const rows = [
      `| ${DEFAULT_TIMEOUTS.exec} ms | \`timeouts.exec\` |`,
      `| ${DEFAULT_TIMEOUTS.greeting} ms | \`timeouts.greeting\` |`,
      `| ${DEFAULT_TIMEOUTS.command} ms | \`timeouts.command\` |`,
      `| ${DEFAULT_TIMEOUTS.shutdown} ms | \`timeouts.shutdown\` |`,
      `| ${DEFAULT_MAX_MESSAGE_BYTES} bytes | \`maxMessageBytes\` |`,
      `| ${defaults.perDialTimeout} s | \`perDialTimeout\` |`,
      `| ${defaults.dialErrorLimit} | \`dialErrorLimit\` |`,
      `| ${BACKOFF_BASE_MS} ms | backoff,`,
      `| ${BACKOFF_CAP_MS} ms | backoff cap |`,
      `| ${DEFAULT_HOST_TIMEOUT_S} s | \`hostTimeout\` |`,
      `| ${HOST_SILENCE_MS} ms | host silence |`,
      `| every ${HOST_SILENCE_MS / 2} ms; the connection is dropped after 4 unanswered | keepalive |`,
      `| ${MAX_INPUT_FILE_BYTES} bytes | input file |`,
      `| ${MAX_NESTING_DEPTH} | nesting depth |`,
      `| ${MAX_HOSTS} | hosts |`,
      `| ${MAX_FEATURES} | features |`,
    ];
    expect(rows.filter((row) => !doc.includes(row))).toEqual([]);
    expect(doc).toContain(`passes ${DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024} MiB`);
    expect(doc).toContain(`at most ${MAX_INPUT_FILE_BYTES} bytes (${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB) are read`);
    expect(doc).toContain(`nest deeper than ${MAX_NESTING_DEPTH} levels`);
    expect(doc).toContain(`${MAX_HOSTS + 1} hosts; at most ${MAX_HOSTS} can be checked at once`);
    expect(doc).toContain(`${MAX_FEATURES + 1} features; at most ${MAX_FEATURES}`);
  });
});
