import { LoginShellError } from '../../errors';
import type { LoginShellOutcome } from './channelProcess';
import { SSH_EXEC_COMMAND } from './remoteCommand';

/** The longest excerpt of the login shell's words quoted in the error. */
const MAX_QUOTE_CHARS = 300;

/**
 * The error for a session that ended before `sh -s` ran: sshd started the
 * account's login shell (or its ForceCommand), and that ended the session
 * itself. nologin and /bin/false do this for every command; a ForceCommand
 * that refuses $SSH_ORIGINAL_COMMAND too.
 */
export function loginShellRefusal(host: string, user: string, outcome: LoginShellOutcome): LoginShellError {
  const { code, signal } = outcome.status;
  const how = code !== null ? `with status ${code}` : signal ? `on signal ${signal}` : 'without an exit status';
  const words = `${outcome.stdout}\n${outcome.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
  const quote = words.length > MAX_QUOTE_CHARS ? `${words.slice(0, MAX_QUOTE_CHARS)}…` : words;
  return new LoginShellError({
    host,
    stage: 'exec',
    what: `the login shell or ForceCommand of user ${user} did not run qemu-cpu's command`,
    why: `the session ended ${how} before \`${SSH_EXEC_COMMAND}\` started${quote ? `, saying: ${quote}` : ' and said nothing'}; the account's shell is nologin, /bin/false or another that refuses commands, or sshd's ForceCommand does not run $SSH_ORIGINAL_COMMAND`,
    hint: `Give ${user} a login shell that runs commands (sh, bash, dash, zsh, fish, tcsh: chsh -s /bin/sh ${user}), or make its ForceCommand run "$SSH_ORIGINAL_COMMAND"; QEMU was not started.`,
  });
}
