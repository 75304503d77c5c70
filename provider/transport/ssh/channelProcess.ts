import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { LoginShellError } from '../../errors';
import type { ExitStatus, HostProcess } from '../transport';

/** A HostProcess over an exec channel, plus the hook the transport calls when the connection drops. */
export interface ChannelProcess {
  readonly process: HostProcess;
  /** The connection is gone: settle exit and end the output streams. */
  connectionLost(): void;
}

/** What the session printed and how it ended when the login shell never started the command. */
export interface LoginShellOutcome {
  status: ExitStatus;
  stdout: string;
  stderr: string;
}

/** How the command is started on the channel (see remoteCommand.ts). */
export interface ChannelStart {
  /** Written to the channel first: the command for `sh -s`. */
  line: string;
  /** The stderr line that says the command has started; it and everything before it are kept from the caller. */
  marker: string;
  /** The error for a session that ended before the marker. */
  refused(outcome: LoginShellOutcome): LoginShellError;
}

/** Login-shell output kept for the error message. */
const MAX_SAID_BYTES = 4096;
/** Stderr held while waiting for the marker; a login shell that floods it keeps only the tail. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * Wrap an ssh2 exec channel as a HostProcess.
 *
 * stdout and stderr are PassThroughs fed from the channel so the channel
 * drains (and its close, which frees sshd's session slot, arrives) even when
 * the caller never reads small outputs. stdin is its own Writable so that
 * destroying it sends EOF instead of destroying the whole channel; what the
 * caller writes is held until the command has started, so the `sh` reading
 * the start line cannot read it. `onClosed` runs once, when the channel is
 * finished with.
 */
export function channelProcess(channel: ClientChannel, start: ChannelStart, onClosed: () => void): ChannelProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  channel.pipe(stdout);

  let status: ExitStatus = { code: null, signal: null };
  let settle!: (status: ExitStatus) => void;
  const exit = new Promise<ExitStatus>((resolve) => (settle = resolve));
  let started = false;
  let settleLogin!: (error: LoginShellError | undefined) => void;
  const loginShell = new Promise<LoginShellError | undefined>((resolve) => (settleLogin = resolve));
  let openGate!: (go: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (openGate = resolve));
  let said = '';
  const watchStdout = (chunk: Buffer) => {
    if (said.length < MAX_SAID_BYTES) said += chunk.toString('utf8').slice(0, MAX_SAID_BYTES - said.length);
  };
  channel.on('data', watchStdout);

  const onStarted = () => {
    started = true;
    channel.removeListener('data', watchStdout);
    openGate(true);
    settleLogin(undefined);
  };
  const held = holdStderrUntil(channel.stderr, stderr, start.marker, onStarted);

  let finished = false;
  /** `blame`: the session ended by itself, so a command that never started is the login shell's doing. */
  const finish = (blame: boolean) => {
    settle(status);
    if (!started) {
      openGate(false);
      settleLogin(blame ? start.refused({ status, stdout: said, stderr: held() }) : undefined);
    }
    if (finished) return;
    finished = true;
    onClosed();
  };

  channel.on('exit', (code: number | null, signal?: string) => {
    status = typeof code === 'number' ? { code, signal: null } : { code: null, signal: signal ? signal.replace(/^SIG/, '') : null };
    settle(status);
  });
  channel.on('close', () => finish(true));
  // Errors surface as a closed channel and a null exit code; they must not crash the controller.
  channel.on('error', () => undefined);
  channel.write(start.line);

  const stdin = new Writable({
    write: (chunk, encoding, callback) => {
      void gate.then((go) => (go ? channel.write(chunk, encoding, callback) : callback()));
    },
    final: (callback) => {
      void gate.then(() => {
        if (!channel.writableEnded && !channel.destroyed) channel.end();
        callback();
      });
    },
    destroy: (err, callback) => {
      if (!channel.writableEnded && !channel.destroyed) channel.end();
      callback(err);
    },
  });
  // A process that exits while we write must not crash the controller.
  stdin.on('error', () => undefined);

  const endOutputs = () => {
    if (!stdout.writableEnded) {
      channel.unpipe(stdout);
      stdout.end();
    }
    if (!stderr.writableEnded) {
      channel.stderr.unpipe(stderr);
      stderr.end();
    }
  };

  return {
    process: {
      stdin,
      stdout,
      stderr,
      exit,
      loginShell,
      abandon: () => {
        finish(false);
        try {
          channel.close();
        } catch {
          /* the connection is already gone */
        }
        stdin.destroy();
        stdout.destroy();
        stderr.destroy();
      },
    },
    connectionLost: () => {
      finish(false);
      // ssh2 ends the channels of a dead connection right after its 'close' event; whatever is still open then is ended here.
      setImmediate(endOutputs);
    },
  };
}

/**
 * Copy `source` to `sink`, dropping everything up to and including the
 * line `marker` (what the login shell and its startup files printed), then
 * pipe the rest. Returns what was held back. A source that ends without the
 * marker hands its whole text to the sink.
 */
function holdStderrUntil(source: Readable, sink: PassThrough, marker: string, onStarted: () => void): () => string {
  const needle = Buffer.from(`${marker}\n`);
  let pending = Buffer.alloc(0);
  let before = '';
  let done = false;
  const onData = (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    let at = pending.indexOf(needle);
    while (at > 0 && pending[at - 1] !== 0x0a) at = pending.indexOf(needle, at + 1);
    if (at < 0) {
      if (pending.length > MAX_HELD_BYTES) pending = pending.subarray(pending.length - MAX_HELD_BYTES);
      return;
    }
    done = true;
    before = pending.subarray(0, at).toString('utf8');
    const rest = pending.subarray(at + needle.length);
    pending = Buffer.alloc(0);
    source.removeListener('data', onData);
    source.removeListener('end', onEnd);
    if (rest.length > 0) sink.write(rest);
    source.pipe(sink);
    onStarted();
  };
  const onEnd = () => {
    if (done) return;
    before = pending.toString('utf8');
    sink.end(pending);
  };
  source.on('data', onData);
  source.once('end', onEnd);
  return () => (done ? before : pending.toString('utf8')).slice(-MAX_SAID_BYTES);
}
