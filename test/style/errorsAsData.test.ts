/**
 * Errors are data (provider/errors): no product code reads meaning back out
 * of an error's or a verdict's words. A line that runs a regex or a text
 * search over a message, why, what, error, reason, detail or desc is allowed
 * only under a comment that says "Boundary:": text that comes from outside
 * qemu-cpu (QEMU's stderr, ssh2's or the yaml library's messages), parsed
 * where it enters. parseHostFailure is the SDK's reader of the resource's
 * reason lines, for programs that hold only the text; qemu-cpu itself never
 * calls it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/paths';

/** The words that name an error's text, as a property or a variable. */
const TEXT = String.raw`\b(?:message|why|what|error|reason|detail|desc)\b`;
/** A text method called on it: `err.message.split(`, `reason.startsWith(`, `(h.error ?? '').match(`. */
const METHOD_ON_TEXT = new RegExp(`${TEXT}\\)?\\??\\.(?:match|matchAll|split|replace|replaceAll|search|startsWith|endsWith|includes|indexOf)\\(`);
/** A regex run over it: `STAGE.exec(message)`, `/passphrase/.test(err.message)`. */
const REGEX_OVER_TEXT = new RegExp(`\\.(?:test|exec)\\((?:[^()]|\\([^()]*\\))*${TEXT}`);
/** A top-level declaration: a Boundary: comment in it, or in the TSDoc just above it, covers its whole body. */
const TOP_LEVEL = /^(?:export )?(?:async )?(?:function|const|class) /;
const COMMENT = /^\s*(?:\/\/|\/\*|\*)/;

/** The lines of `text` (1-based) that read an error's words outside a Boundary: comment's reach. */
export function unmarkedMessageReads(text: string): number[] {
  const lines = text.split('\n');
  return lines.flatMap((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    if (!METHOD_ON_TEXT.test(code) && !REGEX_OVER_TEXT.test(code)) return [];
    return boundaryCovers(lines, i) ? [] : [i + 1];
  });
}

/** A Boundary: comment between line `i` and the start of its top-level declaration, or in that declaration's TSDoc. */
function boundaryCovers(lines: readonly string[], i: number): boolean {
  let j = i;
  for (; j >= 0 && !TOP_LEVEL.test(lines[j]); j--) if (lines[j].includes('Boundary:')) return true;
  for (j--; j >= 0 && COMMENT.test(lines[j]); j--) if (lines[j].includes('Boundary:')) return true;
  return false;
}

function productFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return productFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !/\.(test|testkit)\.ts$/.test(e.name) ? [full] : [];
  });
}

/** The one reader of qemu-cpu's own words, kept for users (see above). */
const USER_READERS = new Set(['provider/surfaces/resource/failureReasons.ts:parseHostFailure']);

describe('[suite-errors-as-data] no product code parses an error message', () => {
  it('finds the patterns it forbids', () => {
    expect(unmarkedMessageReads('return { kind: STAGE.exec(message)?.[1] ?? "unknown" };')).toEqual([1]);
    expect(unmarkedMessageReads("const parts = err.message.split(' | ');")).toEqual([1]);
    expect(unmarkedMessageReads('if (reason.startsWith("x")) {}')).toEqual([1]);
    expect(unmarkedMessageReads('if (/no passphrase/i.test(err.message)) {}')).toEqual([1]);
    expect(unmarkedMessageReads('const refused = /open failure/i.test((err as Error).message);')).toEqual([1]);
    expect(unmarkedMessageReads('// Boundary: ssh2\'s own words.\nif (/no passphrase/i.test(err.message)) {}')).toEqual([]);
    expect(unmarkedMessageReads('/** Boundary: ssh2. */\nfunction f() {\n  a();\n  return /x/.test(message);\n}\nfunction g() {\n  return /x/.test(message);\n}')).toEqual([7]);
    expect(unmarkedMessageReads('const kind = verdict.kind;')).toEqual([]);
  });

  it('holds for provider/ and sdk/', () => {
    const files = [...productFiles(path.join(repoRoot, 'provider')), ...fs.readdirSync(path.join(repoRoot, 'sdk')).filter((f) => f.endsWith('.ts')).map((f) => path.join(repoRoot, 'sdk', f))];
    expect(files.length).toBeGreaterThan(50);
    const hits = files.flatMap((file) => {
      const rel = path.relative(repoRoot, file).split(path.sep).join('/');
      const text = fs.readFileSync(file, 'utf8');
      return unmarkedMessageReads(text)
        .filter((line) => ![...USER_READERS].some((r) => r.startsWith(`${rel}:`) && enclosingFunction(text, line) === r.split(':')[1]))
        .map((line) => `${rel}:${line}: ${text.split('\n')[line - 1].trim()}`);
    });
    expect(hits).toEqual([]);
  });
});

/** The name of the function declared nearest above `line` (1-based). */
function enclosingFunction(text: string, line: number): string | undefined {
  const above = text.split('\n').slice(0, line).reverse();
  for (const l of above) {
    const m = /^export function (\w+)|^function (\w+)/.exec(l);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}
