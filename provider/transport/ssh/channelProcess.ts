import { PassThrough, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { ExitStatus, HostProcess } from '../transport';

/** A HostProcess over an exec channel, plus the hook the transport calls when the connection drops. */
export interface ChannelProcess {
  readonly process: HostProcess;
  /** The connection is gone: settle exit and end the output streams. */
  connectionLost(): void;
}

/**
 * Wrap an ssh2 exec channel as a HostProcess.
 *
 * stdout and stderr are PassThroughs fed from the channel so the channel
 * drains (and its close, which frees sshd's session slot, arrives) even when
 * the caller never reads small outputs. stdin is its own Writable so that
 * destroying it sends EOF instead of destroying the whole channel.
 * `onClosed` runs once, when the channel is finished with.
 */
export function channelProcess(channel: ClientChannel, onClosed: () => void): ChannelProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  channel.pipe(stdout);
  channel.stderr.pipe(stderr);

  let status: ExitStatus = { code: null, signal: null };
  let settle!: (status: ExitStatus) => void;
  const exit = new Promise<ExitStatus>((resolve) => (settle = resolve));
  let finished = false;
  const finish = () => {
    settle(status);
    if (finished) return;
    finished = true;
    onClosed();
  };

  channel.on('exit', (code: number | null, signal?: string) => {
    status = typeof code === 'number' ? { code, signal: null } : { code: null, signal: signal ? signal.replace(/^SIG/, '') : null };
    settle(status);
  });
  channel.on('close', finish);
  // Errors surface as a closed channel and a null exit code; they must not crash the controller.
  channel.on('error', () => undefined);

  const stdin = new Writable({
    write: (chunk, encoding, callback) => {
      channel.write(chunk, encoding, callback);
    },
    final: (callback) => {
      channel.end();
      callback();
    },
    destroy: (err, callback) => {
      if (!channel.writableEnded && !channel.destroyed) channel.end();
      callback(err);
    },
  });
  // A process that exits while we write must not crash the controller.
  stdin.on('error', () => undefined);

  const endOutputs = () => {
    for (const [source, sink] of [[channel, stdout], [channel.stderr, stderr]] as const) {
      if (sink.writableEnded) continue;
      source.unpipe(sink);
      sink.end();
    }
  };

  return {
    process: {
      stdin,
      stdout,
      stderr,
      exit,
      abandon: () => {
        finish();
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
      finish();
      // ssh2 ends the channels of a dead connection right after its 'close' event; whatever is still open then is ended here.
      setImmediate(endOutputs);
    },
  };
}
