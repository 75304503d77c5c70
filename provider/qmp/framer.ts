import { QmpProtocolError } from '../errors';
import { quoteExcerpt } from './quote';

/** The default limit on one QMP message: 32 MiB, far above the largest real reply (query-qmp-schema, ~1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Options of a {@link LineFramer}. */
export interface LineFramerOptions {
  /** The largest line accepted, in bytes, without its terminator. Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  /** The host label put into errors. */
  host?: string;
}

/** What one {@link LineFramer.push} or {@link LineFramer.end} produced. */
export interface FramerOutput {
  /** Complete lines, in order, without their terminators; empty lines are left out. */
  lines: string[];
  /** Set once the stream can no longer be framed; lines completed before the failure are still in `lines`. */
  error?: QmpProtocolError;
}

const LF = 0x0a;
const CR = 0x0d;
const EXCERPT_BYTES = 200;

/**
 * Splits a byte stream into QMP lines. Pure and I/O-free: feed it chunks of
 * any size, split anywhere (inside a UTF-8 sequence too), and it returns the
 * lines each chunk completes.
 *
 * QMP terminates every message with "\r\n"; a bare "\n" is accepted too, and
 * blank lines are skipped. A line never holds more than `maxMessageBytes`:
 * once a pending line passes the limit the framer fails at once, keeps
 * nothing, and reports the same error for every later chunk. Chunks are
 * kept by reference and joined once per line, so framing is linear.
 */
export class LineFramer {
  /** The largest line accepted, in bytes, without its terminator. */
  readonly maxMessageBytes: number;
  private readonly host: string | undefined;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private failure: QmpProtocolError | undefined;
  // fatal: QEMU's JSON writer only emits valid UTF-8 (it escapes the rest), so bad bytes mean a broken stream.
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(options: LineFramerOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxMessageBytes = max;
    this.host = options.host;
  }

  /** Bytes of the unfinished line held right now; never more than `maxMessageBytes` + 1 (a trailing "\r"). */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  /** The error that stopped the framer, if any. */
  get error(): QmpProtocolError | undefined {
    return this.failure;
  }

  /** Feed the next chunk of the stream. Never throws. */
  push(chunk: Uint8Array): FramerOutput {
    if (this.failure) return { lines: [], error: this.failure };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const lines: string[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(LF, start);
      if (nl === -1) {
        const tail = buf.subarray(start);
        const total = this.pendingLength + tail.length;
        // A final "\r" may be the first half of the terminator, so it does not count yet.
        const content = tail[tail.length - 1] === CR ? total - 1 : total;
        if (content > this.maxMessageBytes) return this.fail(lines, this.overflow(total, tail));
        this.pending.push(tail);
        this.pendingLength = total;
        break;
      }
      const segment = buf.subarray(start, nl);
      start = nl + 1;
      const total = this.pendingLength + segment.length;
      const last = segment.length > 0 ? segment[segment.length - 1] : this.lastPendingByte();
      const length = last === CR ? total - 1 : total;
      if (length > this.maxMessageBytes) return this.fail(lines, this.overflow(length, segment));
      const lineBytes = this.pendingLength === 0 ? segment : Buffer.concat([...this.pending, segment], total);
      this.pending = [];
      this.pendingLength = 0;
      if (length === 0) continue;
      let text: string;
      try {
        text = this.utf8.decode(lineBytes.subarray(0, length));
      } catch {
        return this.fail(lines, this.invalidUtf8(lineBytes.subarray(0, length)));
      }
      if (text.trim() === '') continue;
      lines.push(text);
    }
    return { lines };
  }

  /**
   * Tell the framer the stream has ended. A non-blank unfinished line is a
   * truncated message and is reported as an error; the framer is then spent.
   */
  end(): FramerOutput {
    if (this.failure) return { lines: [], error: this.failure };
    const rest = this.pendingLength === 0 ? '' : Buffer.concat(this.pending, this.pendingLength).toString('utf8');
    this.pending = [];
    this.pendingLength = 0;
    if (rest.trim() === '') return { lines: [] };
    return this.fail([], new QmpProtocolError({
      host: this.host,
      stage: 'qmp-protocol',
      what: 'the QMP stream ended in the middle of a message',
      why: `unterminated line ${quoteExcerpt(rest)}`,
    }));
  }

  private lastPendingByte(): number | undefined {
    const chunk = this.pending[this.pending.length - 1];
    return chunk === undefined ? undefined : chunk[chunk.length - 1];
  }

  private fail(lines: string[], error: QmpProtocolError): FramerOutput {
    this.failure = error;
    this.pending = [];
    this.pendingLength = 0;
    return { lines, error };
  }

  /** The first bytes of the pending line plus `extra`, for an error message. */
  private head(extra: Buffer): string {
    const parts: Buffer[] = [];
    let have = 0;
    for (const part of [...this.pending, extra]) {
      if (have >= EXCERPT_BYTES) break;
      const take = part.subarray(0, EXCERPT_BYTES - have);
      parts.push(take);
      have += take.length;
    }
    return Buffer.concat(parts, have).toString('utf8');
  }

  private overflow(bytes: number, extra: Buffer): QmpProtocolError {
    return new QmpProtocolError({
      host: this.host,
      stage: 'qmp-protocol',
      what: `QEMU sent a QMP message longer than the limit of ${this.maxMessageBytes} bytes`,
      why: `${bytes} bytes without a line end, starting ${quoteExcerpt(this.head(extra))}`,
      hint: 'Raise maxMessageBytes if this QEMU really sends replies that large.',
    });
  }

  private invalidUtf8(line: Buffer): QmpProtocolError {
    return new QmpProtocolError({
      host: this.host,
      stage: 'qmp-protocol',
      what: 'QEMU sent a QMP line that is not valid UTF-8',
      why: `line ${quoteExcerpt(line.subarray(0, EXCERPT_BYTES).toString('utf8'))}`,
    });
  }
}
