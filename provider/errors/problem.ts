import type { ErrorKind } from './errorKind';
import { QemuCpuError } from './qemuCpuError';
import type { Stage } from './stage';

/** An error as data: what a verdict or report carries instead of a message to be read back. */
export interface Problem {
  stage: Stage;
  kind: ErrorKind;
  /** The whole message, "host: what (stage): why. hint", for people. */
  message: string;
  /** QEMU's own stderr lines, when QEMU said something: the last MAX_PROBLEM_STDERR characters, which explain an exit. */
  qemuStderr?: string;
}

/** The most of QEMU's stderr a report carries. */
export const MAX_PROBLEM_STDERR = 2000;

/**
 * Any thrown value as a {@link Problem} about `host`, whose message starts
 * with the host's name (an error about another host, a jump host, or none
 * gets it in front). A value that is not a qemu-cpu error is a bug: kind
 * `internal`, stage `evaluate`, so it still names the host and cannot hide
 * the other hosts.
 */
export function problemOf(err: unknown, host: string, doing = 'asking this host'): Problem {
  if (err instanceof QemuCpuError) {
    const message = err.host === host ? err.message : `${host}: ${err.message}`;
    return { stage: err.stage, kind: err.kind, message, ...(err.qemuStderr ? { qemuStderr: clip(err.qemuStderr) } : {}) };
  }
  return { stage: 'evaluate', kind: 'internal', message: `${host}: internal error while ${doing} (evaluate): ${err instanceof Error ? err.message : String(err)}` };
}

function clip(text: string): string {
  return text.length > MAX_PROBLEM_STDERR ? `…${text.slice(-MAX_PROBLEM_STDERR)}` : text;
}
