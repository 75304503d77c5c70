import { shellJoin } from '../shellQuote';

/**
 * What every exec request asks sshd to run. sshd hands it to the account's
 * login shell as `SHELL -c 'sh -s'` (or to a ForceCommand as
 * $SSH_ORIGINAL_COMMAND); two plain words that every POSIX, csh-family and
 * fish shell runs alike. The real command goes on the channel's stdin, where
 * only `sh` parses it, so no quoting ever depends on the login shell.
 */
export const SSH_EXEC_COMMAND = 'sh -s';

/** The line `sh -s` prints on stderr once it runs: the login shell has started the command. */
export const STARTED_MARKER = 'qemu-cpu:started';

/**
 * The one line written to `sh -s`: the start marker, then the argv, each
 * word POSIX single-quoted, exec'd so that no shell stays in between.
 * `sh` executes a line only once it has read all of it, and execs before
 * reading further; the caller's own stdin bytes are held back until the
 * marker arrives, so none of them can be read by `sh` instead of the program.
 */
export function startLine(argv: readonly string[]): string {
  return `printf '%s\\n' ${STARTED_MARKER} >&2; exec ${shellJoin(argv)}\n`;
}
