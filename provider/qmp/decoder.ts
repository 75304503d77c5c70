import { z } from 'zod';
import { QmpProtocolError, formatZodIssues } from '../errors';
import { quoteExcerpt } from './quote';
import { VersionInfoSchema, type VersionInfo } from '../model';

/** The greeting QEMU sends as soon as a QMP client connects. */
export interface QmpGreeting {
  version: VersionInfo;
  /** Capabilities QEMU offers, e.g. "oob". */
  capabilities: string[];
}

/** An asynchronous event (SHUTDOWN, STOP, ...). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  /** When QEMU emitted it; both are -1 when QEMU could not read the clock. */
  timestamp: { seconds: number; microseconds: number };
}

/** One decoded QMP message. `hasId` tells a reply without an id from one whose id is null. */
export type QmpMessage =
  | { kind: 'greeting'; greeting: QmpGreeting }
  | { kind: 'return'; value: unknown; hasId: boolean; id?: unknown }
  | { kind: 'error'; errorClass: string; desc: string; hasId: boolean; id?: unknown }
  | { kind: 'event'; event: QmpEvent };

/** The outcome of {@link decodeQmpLine}: a message or the reason there is none. */
export type QmpDecodeResult = { ok: true; message: QmpMessage } | { ok: false; error: QmpProtocolError };

/** {"QMP": {"version": ..., "capabilities": [...]}} */
export const QmpGreetingLineSchema = z.object({
  QMP: z.object({ version: VersionInfoSchema, capabilities: z.array(z.string()) }),
});
/** {"return": X, "id"?: ...} */
export const QmpReturnLineSchema = z.object({ return: z.unknown(), id: z.unknown().optional() });
/** {"error": {"class", "desc"}, "id"?: ...} */
export const QmpErrorLineSchema = z.object({
  error: z.object({ class: z.string(), desc: z.string() }),
  id: z.unknown().optional(),
});
/** {"event", "data"?, "timestamp": {"seconds", "microseconds"}} */
export const QmpEventLineSchema = z.object({
  event: z.string().min(1),
  data: z.record(z.unknown()).optional(),
  timestamp: z.object({ seconds: z.number().int(), microseconds: z.number().int() }),
});

// Exactly one of these members tells what a message is.
const KINDS = [
  ['QMP', 'greeting'],
  ['return', 'reply'],
  ['error', 'error reply'],
  ['event', 'event'],
] as const;

/**
 * Decode one QMP line (without its terminator) into a typed message. Pure;
 * never throws. Anything that is not JSON, not an object, or not one of the
 * four QMP shapes is a {@link QmpProtocolError} (stage 'qmp-protocol') whose
 * message quotes at most 200 characters of the line.
 */
export function decodeQmpLine(line: string, host?: string): QmpDecodeResult {
  const fail = (what: string, why: string): QmpDecodeResult => ({
    ok: false,
    error: new QmpProtocolError({ host, stage: 'qmp-protocol', what, why: `${why} in line ${quoteExcerpt(line)}` }),
  });

  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return fail('QEMU sent a QMP line that is not JSON', err instanceof Error ? err.message : String(err));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('QEMU sent a QMP message that is not a JSON object', `got ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : typeof value}`);
  }
  const object = value as Record<string, unknown>;
  const present = KINDS.filter(([key]) => Object.prototype.hasOwnProperty.call(object, key));
  if (present.length !== 1) {
    const why = present.length === 0
      ? 'it has none of the members QMP, return, error, event'
      : `it has more than one of the members ${present.map(([key]) => key).join(', ')}`;
    return fail('QEMU sent a QMP message of an unknown shape', why);
  }
  const [key, label] = present[0];
  const hasId = Object.prototype.hasOwnProperty.call(object, 'id');
  switch (key) {
    case 'QMP': {
      const parsed = QmpGreetingLineSchema.safeParse(object);
      if (!parsed.success) return fail(`QEMU sent a malformed QMP ${label}`, formatZodIssues(parsed.error).join('; '));
      return { ok: true, message: { kind: 'greeting', greeting: parsed.data.QMP } };
    }
    case 'return': {
      const parsed = QmpReturnLineSchema.safeParse(object);
      if (!parsed.success) return fail(`QEMU sent a malformed QMP ${label}`, formatZodIssues(parsed.error).join('; '));
      return { ok: true, message: hasId ? { kind: 'return', value: object.return, hasId, id: object.id } : { kind: 'return', value: object.return, hasId } };
    }
    case 'error': {
      const parsed = QmpErrorLineSchema.safeParse(object);
      if (!parsed.success) return fail(`QEMU sent a malformed QMP ${label}`, formatZodIssues(parsed.error).join('; '));
      const { class: errorClass, desc } = parsed.data.error;
      return { ok: true, message: hasId ? { kind: 'error', errorClass, desc, hasId, id: object.id } : { kind: 'error', errorClass, desc, hasId } };
    }
    case 'event': {
      const parsed = QmpEventLineSchema.safeParse(object);
      if (!parsed.success) return fail(`QEMU sent a malformed QMP ${label}`, formatZodIssues(parsed.error).join('; '));
      const { event, data, timestamp } = parsed.data;
      return { ok: true, message: { kind: 'event', event: data === undefined ? { event, timestamp } : { event, data, timestamp } } };
    }
  }
}
