import type { ErrorKind } from './errorKind';
import type { Stage } from './stage';

/** What every qemu-cpu error is built from. */
export interface QemuCpuErrorInit {
  /** What happened, in one sentence without a trailing period. */
  what: string;
  /** Why it happened, when known. */
  why?: string;
  /** What the user can do about it. */
  hint?: string;
  /** The host label (connection name or host[:port]); absent for local-only stages such as config. */
  host?: string;
  stage: Stage;
  cause?: unknown;
  /** QEMU's own stderr lines behind this error, when QEMU said something: evidence kept as data, never parsed back out of the message. */
  qemuStderr?: string;
}

/**
 * The root of qemu-cpu's one error hierarchy. The message reads
 * "host: what (stage): why. hint" so it is useful on its own in a CI log;
 * the structured fields are for programs.
 */
export class QemuCpuError extends Error {
  readonly host: string | undefined;
  readonly stage: Stage;
  readonly what: string;
  readonly why: string | undefined;
  readonly hint: string | undefined;
  /** What QEMU printed on stderr, when it explains this error. */
  readonly qemuStderr: string | undefined;
  /** Which error this is, one per class; each subclass names its own. */
  readonly kind: ErrorKind = 'internal';

  constructor(init: QemuCpuErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.host = init.host;
    this.stage = init.stage;
    this.what = init.what;
    this.why = init.why;
    this.hint = init.hint;
    this.qemuStderr = init.qemuStderr;
  }

  /** A plain, secret-free object for JSON reports. */
  toJSON(): { name: string; kind: ErrorKind; host?: string; stage: Stage; message: string } {
    return { name: this.name, kind: this.kind, host: this.host, stage: this.stage, message: this.message };
  }
}

function formatMessage(init: QemuCpuErrorInit): string {
  const prefix = init.host ? `${init.host}: ` : '';
  let text = `${prefix}${init.what} (${init.stage})`;
  if (init.why) text += `: ${init.why}`;
  text += '.';
  if (init.hint) text += ` ${init.hint}`;
  return escapeControl(text);
}

/**
 * Control characters and line breaks escaped (\n, \t, \u001b, ...): values from
 * users, hosts and QEMU end up in messages, and must not split one into
 * forged log lines (or CI workflow commands) nor drive a terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
