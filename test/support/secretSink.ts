import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from './paths';

/**
 * Everything the provider, the plugin and the CLI print or persist during the
 * suite is recorded here, and every secret the tests use is registered here;
 * global teardown scans the one against the other and fails on any hit.
 */
const sinkDir = path.join(scratchDir, 'secret-sink');

function append(file: string, text: string): void {
  fs.mkdirSync(sinkDir, { recursive: true });
  fs.appendFileSync(path.join(sinkDir, file), text);
}

/** Record an output, error message, log line or serialized state produced by qemu-cpu during a test. */
export function recordOutput(source: string, text: unknown): void {
  const body = typeof text === 'string' ? text : JSON.stringify(text);
  append(`outputs-${process.pid}.jsonl`, JSON.stringify({ source, body }) + '\n');
}

/** Register a secret that must never appear in any recorded output. */
export function registerSecret(secret: string): void {
  if (secret.length < 8) throw new Error('secrets shorter than 8 characters would match by chance');
  append(`secrets-${process.pid}.jsonl`, JSON.stringify(secret) + '\n');
}

/** The needles to look for: the secret itself and, for multi-line keys, each long line of it. */
function needles(secret: string): string[] {
  const lines = secret.split('\n').map((l) => l.trim()).filter((l) => l.length >= 24 && !l.startsWith('-----'));
  return [secret, ...lines];
}

/** Every (source, secret-prefix) pair where a registered secret appears in a recorded output. */
export function scanSink(): { outputs: number; secrets: number; hits: Array<{ source: string; secret: string }> } {
  if (!fs.existsSync(sinkDir)) return { outputs: 0, secrets: 0, hits: [] };
  const files = fs.readdirSync(sinkDir);
  const read = (prefix: string) =>
    files
      .filter((f) => f.startsWith(prefix))
      .flatMap((f) => fs.readFileSync(path.join(sinkDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  const secrets = [...new Set(read('secrets-') as string[])];
  const outputs = read('outputs-') as Array<{ source: string; body: string }>;
  const hits: Array<{ source: string; secret: string }> = [];
  for (const o of outputs) {
    for (const s of secrets) if (needles(s).some((n) => o.body.includes(n))) hits.push({ source: o.source, secret: `${s.slice(0, 12)}…` });
  }
  return { outputs: outputs.length, secrets: secrets.length, hits };
}

/** Start a fresh sink (global setup). */
export function resetSink(): void {
  fs.rmSync(sinkDir, { recursive: true, force: true });
}
