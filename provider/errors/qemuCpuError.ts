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

  constructor(init: QemuCpuErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.host = init.host;
    this.stage = init.stage;
    this.what = init.what;
    this.why = init.why;
    this.hint = init.hint;
  }

  /** A plain, secret-free object for JSON reports. */
  toJSON(): { name: string; host?: string; stage: Stage; message: string } {
    return { name: this.name, host: this.host, stage: this.stage, message: this.message };
  }
}

function formatMessage(init: QemuCpuErrorInit): string {
  const prefix = init.host ? `${init.host}: ` : '';
  let text = `${prefix}${init.what} (${init.stage})`;
  if (init.why) text += `: ${init.why}`;
  text += '.';
  if (init.hint) text += ` ${init.hint}`;
  return text;
}
