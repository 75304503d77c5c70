/** Where the CLI reads and writes; injectable so tests can run it in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  isTty: boolean;
}

/**
 * A writer that survives its stream failing: a reader that closed the pipe
 * (EPIPE, `qemu-cpu check | true`) or a full disk (ENOSPC, `> /dev/full`).
 * The stream reports such failures as an 'error' event, which would crash
 * the process with a stack trace and exit 1 where the verdict said 0. The
 * first failure calls `onFailure` once; later text is dropped, and the exit
 * code stays the verdict's.
 */
export function guardedWriter(stream: NodeJS.WritableStream, onFailure: (err: NodeJS.ErrnoException) => void = () => undefined): (text: string) => void {
  let failed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    onFailure(err);
  });
  return (text) => {
    if (failed) return;
    try {
      stream.write(text);
    } catch (err) {
      // Writes to a destroyed stream may throw rather than emit.
      if (!failed) onFailure(err as NodeJS.ErrnoException);
      failed = true;
    }
  };
}

/** The one line stderr gets when stdout fails; what failed, why, and that the exit code still holds. */
export function stdoutFailureLine(err: NodeJS.ErrnoException): string {
  const why = err.code === 'EPIPE' ? 'the reader closed the pipe' : err.code === 'ENOSPC' ? 'no space left on the device' : (err.code ?? err.message);
  return `qemu-cpu: could not write the output to stdout (${why}); the exit code still gives the result\n`;
}

let processWriters: { stdout: (t: string) => void; stderr: (t: string) => void } | undefined;

/** The process's streams, guarded on first use: stderr failures are ignored (nowhere left to say so). */
function writers(): { stdout: (t: string) => void; stderr: (t: string) => void } {
  if (!processWriters) {
    const stderr = guardedWriter(process.stderr);
    processWriters = { stderr, stdout: guardedWriter(process.stdout, (err) => stderr(stdoutFailureLine(err))) };
  }
  return processWriters;
}

export const processIo: CliIo = {
  stdout: (t) => writers().stdout(t),
  stderr: (t) => writers().stderr(t),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
};
