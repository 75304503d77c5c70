import { QmpProtocolError } from '../errors';
import { quoteExcerpt } from './quote';

/** The default limit on one QMP message: 32 MiB, far above the largest real reply (query-qmp-schema, ~1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** At most this many lines that are not QMP are skipped before the greeting. */
export const MAX_LINES_BEFORE_GREETING = 200;
/** At most this many bytes of lines that are not QMP are skipped before the greeting. */
export const MAX_BYTES_BEFORE_GREETING = 64 * 1024;

/** Bounds on what is skipped before the greeting. */
export interface BeforeGreetingLimits {
  maxLines: number;
  maxBytes: number;
  /**
   * A line that ends the skipping (and is dropped itself): the launcher's
   * own line just before QEMU runs, so that QEMU's output is never skipped.
   */
  until?: string;
}

/** Options of a {@link LineFramer}. */
export interface LineFramerOptions {
  /** The largest line accepted, in bytes, without its terminator. Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  /** The host label put into errors. */
  host?: string;
  /**
   * Lines that do not start with `{` before the first that does (the
   * greeting), or before the `until` line, are skipped, up to these limits;
   * false keeps every line.
   * Default {@link MAX_LINES_BEFORE_GREETING} lines, {@link MAX_BYTES_BEFORE_GREETING} bytes.
   */
  beforeGreeting?: BeforeGreetingLimits | false;
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
const OPEN_BRACE = 0x7b;
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
 *
 * Before the first line that starts with `{` (QEMU's greeting), lines that
 * do not are skipped: over SSH the account's startup files (~/.bashrc,
 * ~/.zshenv, fish's config.fish, ~/.tcshrc) may print on stdout before
 * QEMU runs. At most {@link MAX_LINES_BEFORE_GREETING} lines and
 * {@link MAX_BYTES_BEFORE_GREETING} bytes; more is a QmpProtocolError.
 */
export class LineFramer {
  /** The largest line accepted, in bytes, without its terminator. */
  readonly maxMessageBytes: number;
  private readonly host: string | undefined;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private failure: QmpProtocolError | undefined;
  /** Set until the greeting begins; skipping then ends for good. */
  private skipLimits: BeforeGreetingLimits | undefined;
  private skippedLines = 0;
  private skippedBytes = 0;
  private firstSkipped = '';
  // fatal: QEMU's JSON writer only emits valid UTF-8 (it escapes the rest), so bad bytes mean a broken stream.
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(options: LineFramerOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxMessageBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxMessageBytes = max;
    this.host = options.host;
    const skip = options.beforeGreeting ?? { maxLines: MAX_LINES_BEFORE_GREETING, maxBytes: MAX_BYTES_BEFORE_GREETING };
    this.skipLimits = skip === false ? undefined : skip;
  }

  /** How many lines that are not QMP were skipped before the greeting. */
  get skipped(): number {
    return this.skippedLines;
  }

  /**
   * For a stream that ended before its greeting: the error saying that it
   * held only lines that are not QMP, or undefined when none was skipped.
   */
  endedBeforeGreeting(): QmpProtocolError | undefined {
    if (!this.skipLimits || this.skippedLines === 0) return undefined;
    return new QmpProtocolError({
      host: this.host,
      stage: 'qmp-protocol',
      what: 'QEMU\'s output ended without a QMP greeting',
      why: `it printed ${this.skippedLines} line(s) that are not JSON (QMP), the first ${quoteExcerpt(this.firstSkipped)}`,
    });
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
      if (this.skipLimits) {
        const first = lineBytes.subarray(0, length).find((b) => b !== 0x20 && b !== 0x09);
        if (first === undefined) continue;
        if (this.skipLimits.until !== undefined && lineBytes.subarray(0, length).equals(Buffer.from(this.skipLimits.until))) {
          this.skipLimits = undefined;
          continue;
        }
        if (first !== OPEN_BRACE) {
          const error = this.skip(lineBytes.subarray(0, length), total + 1);
          if (error) return this.fail(lines, error);
          continue;
        }
        this.skipLimits = undefined;
      }
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

  /** Count a skipped line; the error once the limits are passed. */
  private skip(line: Buffer, bytes: number): QmpProtocolError | undefined {
    const limits = this.skipLimits!;
    this.skippedLines++;
    this.skippedBytes += bytes;
    if (this.skippedLines === 1) this.firstSkipped = line.subarray(0, EXCERPT_BYTES).toString('utf8');
    if (this.skippedLines <= limits.maxLines && this.skippedBytes <= limits.maxBytes) return undefined;
    return new QmpProtocolError({
      host: this.host,
      stage: 'qmp-protocol',
      what: `more than ${limits.maxLines} lines or ${limits.maxBytes} bytes that are not QMP came before QEMU's QMP greeting`,
      why: `the first was ${quoteExcerpt(this.firstSkipped)}; over SSH these are usually what the account's startup files (~/.bashrc, ~/.zshenv, fish's config.fish, ~/.tcshrc) print on stdout`,
      hint: 'Make those files print only in interactive shells (bash: [ -t 1 ], fish: status is-interactive), or on stderr.',
    });
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
