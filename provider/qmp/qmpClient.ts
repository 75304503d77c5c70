import type { Readable, Writable } from 'node:stream';
import type { z } from 'zod';
import {
  DisconnectedError,
  QmpCommandError,
  QmpProtocolError,
  TimeoutError,
  formatZodIssues,
  type Stage,
} from '../errors';
import { decodeQmpLine, type QmpEvent, type QmpGreeting, type QmpMessage } from './decoder';
import { LineFramer, MAX_BYTES_BEFORE_GREETING, MAX_LINES_BEFORE_GREETING, type LineFramerOptions } from './framer';
import { quoteExcerpt } from './quote';
import { EmptyReplySchema } from '../model';

/** The two ends of a QMP session: QEMU's output (its stdout) and input (its stdin). */
export interface QmpIO {
  input: Readable;
  output: Writable;
}

/** Options of {@link QmpClient.connect}. */
export interface QmpClientOptions {
  /** The host label put into every error. */
  host: string;
  /** How long to wait for QEMU's greeting. Default 10000 ms. */
  greetingTimeoutMs?: number;
  /** The default per-command timeout, qmp_capabilities included. Default 30000 ms. */
  commandTimeoutMs?: number;
  /** The largest QMP message accepted. Default 32 MiB. */
  maxMessageBytes?: number;
  /** Called for every event, in arrival order. Exceptions it throws are ignored. */
  onEvent?: (event: QmpEvent) => void;
  /**
   * The line the launcher prints on the stream right before QEMU runs: the
   * lines before it (a login shell's) are skipped, and QEMU's own output
   * after it must be QMP. See {@link LineFramerOptions.beforeGreeting}.
   */
  startLine?: string;
}

/** One command to send, as the client's own call takes it. */
interface CallRequest {
  command: string;
  args?: Record<string, unknown>;
  /** Validates the reply's return value. */
  schema: z.ZodTypeAny;
  /** Overrides the client's commandTimeoutMs. */
  timeoutMs?: number;
  /** The stage an error of this call names. */
  stage: CallStage;
  /** The command is quit: QEMU closing the stream before (or instead of) a reply is its success. */
  quit: boolean;
}

/** Options of one {@link QmpClient.execute} call. */
export interface QmpExecuteOptions {
  /** Overrides the client's commandTimeoutMs for this call; 0 or Infinity waits forever. */
  timeoutMs?: number;
}

/** Default of {@link QmpClientOptions.greetingTimeoutMs}. */
export const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
/** Default of {@link QmpClientOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** How many events {@link QmpClient.events} keeps; older ones are dropped first. */
export const MAX_RECORDED_EVENTS = 1000;

// setTimeout fires at once for delays above 2^31-1 ms, so longer ones mean "no timeout".
const MAX_TIMER_MS = 2 ** 31 - 1;

type CallStage = 'qmp-negotiate' | 'qmp-command';

interface PendingCall {
  command: string;
  stage: CallStage;
  schema: z.ZodTypeAny;
  quit: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

interface GreetingWaiter {
  resolve: (greeting: QmpGreeting) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Why the session ended; builds the error for each call it cuts off. */
interface CloseReason {
  /** After quit was sent, a disconnect is the expected end, not a failure. */
  disconnect: boolean;
  /** The error for a call that was pending (command undefined: the greeting) or is made later. */
  errorFor(command: string | undefined, stage: Stage, later: boolean): Error;
}

/**
 * A QMP client over a pair of streams, e.g. the stdout and stdin of
 * `qemu-system-* -qmp stdio`, run locally or over an SSH channel.
 *
 * The lifecycle is explicit: {@link QmpClient.connect} waits for the greeting
 * and negotiates capabilities, {@link QmpClient.execute} runs commands (they
 * may be pipelined; replies are matched by id), and the session ends when
 * QEMU closes its output, when QEMU sends something that is not QMP, or when
 * {@link QmpClient.close} is called. Whatever ends it rejects every pending
 * call at once, and every later call, with a typed error. The client never
 * ends or destroys the streams: the process that owns them does.
 */
export class QmpClient {
  /** The host label used in errors. */
  readonly host: string;
  /** Settles (never rejects) once the session has ended, for whatever reason. */
  readonly closed: Promise<void>;

  private readonly io: QmpIO;
  private readonly framer: LineFramer;
  private readonly commandTimeoutMs: number;
  private readonly onEvent: ((event: QmpEvent) => void) | undefined;
  private readonly pending = new Map<number, PendingCall>();
  /** Ids whose calls timed out: a late reply to one is dropped, any other unknown id is a protocol error. */
  private readonly timedOut = new Set<number>();
  private readonly recorded: QmpEvent[] = [];
  private nextId = 1;
  private greetingValue: QmpGreeting | undefined;
  private greetingWaiter: GreetingWaiter | undefined;
  private reason: CloseReason | undefined;
  private resolveClosed!: () => void;

  private readonly onData = (chunk: unknown): void => {
    if (this.reason) return;
    let bytes: Uint8Array;
    if (typeof chunk === 'string') bytes = Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) bytes = chunk;
    else {
      this.fail(new QmpProtocolError({ host: this.host, stage: 'qmp-protocol', what: 'the QMP input stream delivered objects instead of bytes' }));
      return;
    }
    const out = this.framer.push(bytes);
    for (const line of out.lines) {
      if (this.reason) return;
      this.onLine(line);
    }
    if (out.error) this.fail(out.error);
  };
  private readonly onEnd = (): void => {
    // Only lines that are not QMP, then the end: QEMU never spoke QMP (see LineFramer).
    const noGreeting = this.greetingValue ? undefined : this.framer.endedBeforeGreeting();
    if (noGreeting) return this.fail(noGreeting);
    const partial = this.framer.pendingBytes;
    this.disconnected('QEMU closed the QMP stream', undefined, partial > 0 ? `it ended inside a message, after ${partial} bytes of it` : undefined);
  };
  private readonly onInputClose = (): void => this.disconnected('QEMU closed the QMP stream');
  private readonly onInputError = (err: unknown): void => this.disconnected('reading the QMP stream failed', err);
  private readonly onOutputError = (err: unknown): void => this.disconnected('QEMU stopped reading QMP commands', err);

  private constructor(io: QmpIO, options: QmpClientOptions) {
    this.io = io;
    this.host = options.host;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.onEvent = options.onEvent;
    this.framer = new LineFramer({
      maxMessageBytes: options.maxMessageBytes,
      host: options.host,
      beforeGreeting: { maxLines: MAX_LINES_BEFORE_GREETING, maxBytes: MAX_BYTES_BEFORE_GREETING, until: options.startLine },
    });
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    io.input.on('data', this.onData);
    io.input.on('end', this.onEnd);
    io.input.on('close', this.onInputClose);
    io.input.on('error', this.onInputError);
    io.output.on('error', this.onOutputError);
    if (io.input.readableEnded || io.input.destroyed) this.disconnected('the QMP stream was already closed');
  }

  /**
   * Start a session: wait for QEMU's greeting (a {@link TimeoutError} with
   * stage 'qmp-greeting' if none comes in time), then leave capabilities
   * negotiation mode with qmp_capabilities (stage 'qmp-negotiate'). On
   * failure the client is closed and the promise rejects with a
   * QemuCpuError.
   */
  static connect(io: QmpIO, options: QmpClientOptions): Promise<QmpClient> {
    let client: QmpClient;
    try {
      client = new QmpClient(io, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return client.handshake(options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS).then(() => client);
  }

  /** The greeting QEMU sent, with its version and offered capabilities. */
  get greeting(): QmpGreeting {
    if (!this.greetingValue) throw new Error('QmpClient.greeting read before connect() finished');
    return this.greetingValue;
  }

  /** Events received so far (the most recent {@link MAX_RECORDED_EVENTS}), in arrival order. */
  get events(): readonly QmpEvent[] {
    return this.recorded;
  }

  /** True once the session has ended. */
  get isClosed(): boolean {
    return this.reason !== undefined;
  }

  /**
   * Run a QMP command and validate its `return` value with `schema`.
   *
   * Rejects with {@link QmpCommandError} for an error reply,
   * {@link QmpProtocolError} when the reply does not match `schema` (every
   * issue listed), {@link TimeoutError} (stage 'qmp-command') when no reply
   * comes in time, and {@link DisconnectedError} or
   * {@link QmpProtocolError} when the session ends first. Never throws.
   */
  execute<S extends z.ZodTypeAny>(
    command: string,
    args: Record<string, unknown> | undefined,
    schema: S,
    opts?: QmpExecuteOptions,
  ): Promise<z.infer<S>> {
    return this.call({ command, args, schema, timeoutMs: opts?.timeoutMs, stage: 'qmp-command', quit: false }) as Promise<z.infer<S>>;
  }

  /**
   * Ask QEMU to exit. QEMU may close the stream right after its reply or
   * before it, so the promise resolves on the reply or on the stream ending
   * once quit was sent. Either way the session is over afterwards.
   */
  executeQuit(opts?: QmpExecuteOptions): Promise<void> {
    return this.call({ command: 'quit', schema: EmptyReplySchema, timeoutMs: opts?.timeoutMs, stage: 'qmp-command', quit: true }).then(() => undefined);
  }

  /**
   * End the session. Every pending call rejects with `reason`, or with a
   * {@link DisconnectedError} when none is given, and so does every later
   * call. Idempotent: only the first reason counts. The streams are left
   * open for their owner.
   */
  close(reason?: Error): void {
    if (reason) {
      this.finish({ disconnect: false, errorFor: () => reason });
      return;
    }
    this.finish({
      disconnect: false,
      errorFor: (command, stage, later) =>
        new DisconnectedError({
          host: this.host,
          stage,
          what: command === undefined
            ? 'the QMP client was closed before QEMU sent its greeting'
            : later
              ? `the QMP client was closed; ${command} was not sent`
              : `the QMP client was closed while ${command} was pending`,
        }),
    });
  }

  private async handshake(greetingTimeoutMs: number): Promise<void> {
    try {
      this.greetingValue = await this.waitForGreeting(greetingTimeoutMs);
      await this.call({ command: 'qmp_capabilities', schema: EmptyReplySchema, stage: 'qmp-negotiate', quit: false });
    } catch (err) {
      const error = err instanceof QmpCommandError
        ? new QmpProtocolError({
          host: this.host,
          stage: 'qmp-negotiate',
          what: 'QEMU refused QMP capabilities negotiation',
          why: `${err.errorClass}: ${err.desc}`,
          cause: err,
        })
        : err;
      this.close(error instanceof Error ? error : undefined);
      throw error;
    }
  }

  private waitForGreeting(timeoutMs: number): Promise<QmpGreeting> {
    return new Promise<QmpGreeting>((resolve, reject) => {
      if (this.reason) {
        reject(this.reason.errorFor(undefined, 'qmp-greeting', false));
        return;
      }
      const waiter: GreetingWaiter = { resolve, reject, timer: undefined };
      waiter.timer = this.startTimer(timeoutMs, () => {
        this.greetingWaiter = undefined;
        reject(new TimeoutError({
          host: this.host,
          stage: 'qmp-greeting',
          what: 'QEMU sent no QMP greeting',
          why: `none arrived within ${timeoutMs} ms`,
          hint: 'Check that QEMU was started with -qmp stdio and did not stop at a prompt or an error.',
          timeoutMs,
        }));
      });
      this.greetingWaiter = waiter;
    });
  }

  private call(request: CallRequest): Promise<unknown> {
    const { command, args, schema, timeoutMs, stage, quit } = request;
    return new Promise<unknown>((resolve, reject) => {
      if (this.reason) {
        if (quit && this.reason.disconnect) resolve(undefined);
        else reject(this.reason.errorFor(command, stage, true));
        return;
      }
      const id = this.nextId++;
      let line: string;
      try {
        line = `${JSON.stringify({ execute: command, arguments: args, id })}\n`;
      } catch (err) {
        reject(new TypeError(`QMP command ${command}: arguments cannot be encoded as JSON: ${err instanceof Error ? err.message : String(err)}`));
        return;
      }
      const call: PendingCall = { command, stage, schema, quit, resolve, reject, timer: undefined };
      const limit = timeoutMs ?? this.commandTimeoutMs;
      call.timer = this.startTimer(limit, () => {
        this.pending.delete(id);
        this.timedOut.add(id);
        reject(new TimeoutError({
          host: this.host,
          stage,
          what: `QMP command ${command} got no reply`,
          why: `none arrived within ${limit} ms`,
          timeoutMs: limit,
        }));
      });
      this.pending.set(id, call);
      try {
        this.io.output.write(line, (err) => {
          if (err) this.onOutputError(err);
        });
      } catch (err) {
        this.onOutputError(err);
      }
    });
  }

  private startTimer(ms: number, fire: () => void): NodeJS.Timeout | undefined {
    if (!(ms > 0) || ms > MAX_TIMER_MS) return undefined;
    const timer = setTimeout(fire, ms);
    timer.unref();
    return timer;
  }

  private onLine(line: string): void {
    const decoded = decodeQmpLine(line, this.host);
    if (!decoded.ok) {
      this.fail(decoded.error);
      return;
    }
    const message = decoded.message;
    switch (message.kind) {
      case 'greeting':
        this.onGreeting(message.greeting);
        return;
      case 'event':
        this.onEventMessage(message.event);
        return;
      case 'return':
      case 'error':
        this.onReply(message, line);
        return;
    }
  }

  private onGreeting(greeting: QmpGreeting): void {
    const waiter = this.greetingWaiter;
    if (!waiter) {
      this.fail(this.protocolError(this.greetingValue ? 'QEMU sent a second QMP greeting' : 'QEMU sent its QMP greeting too late'));
      return;
    }
    this.greetingWaiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(greeting);
  }

  private onEventMessage(event: QmpEvent): void {
    this.recorded.push(event);
    if (this.recorded.length > MAX_RECORDED_EVENTS) this.recorded.shift();
    if (!this.onEvent) return;
    try {
      this.onEvent(event);
    } catch {
      // A consumer's bug must not tear down the session.
    }
  }

  private onReply(message: Extract<QmpMessage, { kind: 'return' | 'error' }>, line: string): void {
    if (!this.greetingValue) {
      this.fail(this.protocolError('QEMU sent a QMP reply before its greeting', `line ${quoteExcerpt(line)}`));
      return;
    }
    const id = message.id;
    const call = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!call) {
      if (typeof id === 'number' && this.timedOut.delete(id)) return;
      // QEMU answers without an id only when it could not parse the command, so nothing can be matched.
      const what = message.hasId ? 'QEMU sent a QMP reply with an unknown id' : 'QEMU sent a QMP reply without an id';
      const why = message.kind === 'error' ? `${message.errorClass}: ${message.desc}` : `line ${quoteExcerpt(line)}`;
      this.fail(this.protocolError(what, why));
      return;
    }
    this.pending.delete(id as number);
    clearTimeout(call.timer);
    if (message.kind === 'error') {
      call.reject(new QmpCommandError({ host: this.host, errorClass: message.errorClass, desc: message.desc, command: call.command }));
      return;
    }
    const parsed = call.schema.safeParse(message.value);
    if (parsed.success) call.resolve(parsed.data);
    else {
      call.reject(new QmpProtocolError({
        host: this.host,
        stage: 'qmp-protocol',
        what: `QMP command ${call.command} returned a reply of an unexpected shape`,
        why: formatZodIssues(parsed.error, 'return').join('; '),
      }));
    }
    if (call.quit) {
      this.finish({
        disconnect: true,
        errorFor: (command, stage) =>
          new DisconnectedError({ host: this.host, stage, what: `the QMP session ended with quit; ${command ?? 'nothing'} was not sent` }),
      });
    }
  }

  private protocolError(what: string, why?: string): QmpProtocolError {
    return new QmpProtocolError({ host: this.host, stage: 'qmp-protocol', what, why });
  }

  /** End the session because QEMU sent something that is not QMP. */
  private fail(error: QmpProtocolError): void {
    this.finish({
      disconnect: false,
      errorFor: (command, _stage, later) => {
        if (command === undefined) return error;
        return new QmpProtocolError({
          host: this.host,
          stage: 'qmp-protocol',
          what: later
            ? `${command} was not sent: the QMP session had failed`
            : `${error.what} while ${command} was pending`,
          why: later ? error.message : error.why,
          cause: error,
        });
      },
    });
  }

  /** End the session because a stream ended or broke. */
  private disconnected(event: string, cause?: unknown, why?: string): void {
    if (this.reason) return;
    const detail = why ?? (cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause));
    this.finish({
      disconnect: true,
      errorFor: (command, stage, later) =>
        new DisconnectedError({
          host: this.host,
          stage,
          what: command === undefined
            ? `${event} before sending its greeting`
            : later
              ? `${event} earlier; ${command} was not sent`
              : `${event} while ${command} was pending`,
          why: detail,
          hint: 'QEMU has probably exited; its exit status and stderr tell why.',
          cause,
        }),
    });
  }

  private finish(reason: CloseReason): void {
    if (this.reason) return;
    this.reason = reason;
    const waiter = this.greetingWaiter;
    this.greetingWaiter = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(reason.errorFor(undefined, 'qmp-greeting', false));
    }
    const calls = [...this.pending.values()];
    this.pending.clear();
    this.timedOut.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      if (call.quit && reason.disconnect) call.resolve(undefined);
      else call.reject(reason.errorFor(call.command, call.stage, false));
    }
    this.detach();
    this.resolveClosed();
  }

  private detach(): void {
    const { input, output } = this.io;
    input.off('data', this.onData);
    input.off('end', this.onEnd);
    input.off('close', this.onInputClose);
    input.off('error', this.onInputError);
    output.off('error', this.onOutputError);
    // Late stream errors must not become uncaught exceptions, and QEMU must not block on a full pipe.
    input.on('error', ignore);
    output.on('error', ignore);
    input.resume();
  }
}

function ignore(): void {
  /* the session is over */
}
