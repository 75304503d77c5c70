import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from './paths';
import { TEST_RUN_ENV } from './qemuProcesses';

/**
 * Everything the provider, the plugin and the CLI print or persist during the
 * suite is recorded here, and every secret the tests use is registered here;
 * global teardown scans the one against the other and fails on any hit.
 *
 * Each test run (global setup sets QEMU_CPU_TEST_RUN, which jest's workers
 * inherit) has a sink of its own, so runs in the same checkout at the same
 * time do not wipe or scan each other's.
 */
const sinkRoot = path.join(scratchDir, 'secret-sink');

/** This run's sink directory. */
export function sinkDir(run: string | undefined = process.env[TEST_RUN_ENV]): string {
  return path.join(sinkRoot, run && /^[A-Za-z0-9_-]+$/.test(run) ? run : 'adhoc');
}

function append(file: string, text: string): void {
  const dir = sinkDir();
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, file), text);
}

/**
 * Record an output, error message, log line or serialized state produced by
 * qemu-cpu during a test. `source` names what produced it; its first word
 * (before ':', '/' or a space) is the kind the summary counts: cli, probe, provider, plugin, ...
 * Errors are recorded as everything a logger could print of them: message,
 * stack, JSON form and causes.
 */
export function recordOutput(source: string, text: unknown): void {
  append(`outputs-${process.pid}.jsonl`, JSON.stringify({ source, body: render(text) }) + '\n');
}

/** Register a secret that must never appear in any recorded output. */
export function registerSecret(secret: string): void {
  if (secret.length < 8) throw new Error('secrets shorter than 8 characters would match by chance');
  append(`secrets-${process.pid}.jsonl`, JSON.stringify(secret) + '\n');
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) {
    const parts: string[] = [];
    let e: unknown = value;
    for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
      if (e instanceof Error) {
        parts.push(String(e.stack ?? e.message), safeJson(e), safeJson(Object.fromEntries(Object.entries(e))));
        e = (e as { cause?: unknown }).cause;
      } else {
        parts.push(typeof e === 'string' ? e : safeJson(e));
        break;
      }
    }
    return parts.join('\n');
  }
  return safeJson(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The needles to look for: the secret itself, as it reads inside JSON and in
 * base64, and, for multi-line keys, each long line of it.
 */
export function needles(secret: string): string[] {
  const lines = secret.split('\n').map((l) => l.trim()).filter((l) => l.length >= 24 && !l.startsWith('-----'));
  const forms = [secret, JSON.stringify(secret).slice(1, -1), Buffer.from(secret, 'utf8').toString('base64')];
  return [...new Set([...forms.filter((f) => f.length >= 8), ...lines])];
}

/** What one scan found. */
export interface SinkScan {
  outputs: number;
  secrets: number;
  /** Recorded outputs per kind of source (the source's first word). */
  bySource: Record<string, number>;
  hits: Array<{ source: string; secret: string }>;
}

/** Every (source, secret-prefix) pair where a registered secret appears in a recorded output of this run. */
export function scanSink(run?: string): SinkScan {
  const dir = sinkDir(run);
  if (!fs.existsSync(dir)) return { outputs: 0, secrets: 0, bySource: {}, hits: [] };
  const files = fs.readdirSync(dir);
  const read = (prefix: string) =>
    files
      .filter((f) => f.startsWith(prefix))
      .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const secrets = [...new Set(read('secrets-') as string[])];
  const outputs = read('outputs-') as Array<{ source: string; body: string }>;
  const hits: Array<{ source: string; secret: string }> = [];
  const bySource: Record<string, number> = {};
  const secretNeedles = secrets.map((s) => ({ s, n: needles(s) }));
  for (const o of outputs) {
    const kind = o.source.split(/[:/\s]/)[0];
    bySource[kind] = (bySource[kind] ?? 0) + 1;
    for (const { s, n } of secretNeedles) if (n.some((needle) => o.body.includes(needle))) hits.push({ source: o.source, secret: `${s.slice(0, 4)}…(${s.length} chars)` });
  }
  return { outputs: outputs.length, secrets: secrets.length, bySource, hits };
}

/** Start a fresh sink for this run (global setup). */
export function resetSink(run?: string): void {
  fs.rmSync(sinkDir(run), { recursive: true, force: true });
}

/** Remove this run's sink (global teardown, after a clean scan). */
export function removeSink(run?: string): void {
  fs.rmSync(sinkDir(run), { recursive: true, force: true });
}
