import { LoginShellError } from '../errors';
import type { HostProcess } from '../transport';

/**
 * For a command that timed out over SSH: a LoginShellError when the
 * account's login shell never started it (the transport's loginShell is
 * still unsettled), else undefined. Call it before the process is abandoned,
 * which settles loginShell.
 */
export async function loginShellStall(proc: HostProcess, host: string, waitedMs: number): Promise<LoginShellError | undefined> {
  if (!proc.loginShell) return undefined;
  // A settled loginShell runs its callback before a zero-delay timer fires.
  const pending = await Promise.race([proc.loginShell.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 0))]);
  if (!pending) return undefined;
  return new LoginShellError({
    host,
    stage: 'exec',
    what: "the account's login shell did not start qemu-cpu's command",
    why: `nothing ran within ${waitedMs} ms of logging in: a startup file (~/.bashrc, ~/.zshenv, fish's config.fish, ~/.tcshrc) or a ForceCommand waits for input or hangs`,
    hint: 'Log in with `ssh HOST true` to see it hang; make those files return at once for non-interactive shells. QEMU was not started.',
  });
}

/**
 * For a command that failed or ended early over SSH: the transport's
 * LoginShellError when the account's login shell or ForceCommand ended the
 * session without running it, if the transport settles that within
 * `graceMs`; else undefined. The timer does not keep the process alive.
 */
export async function loginShellRefusal(proc: HostProcess, graceMs: number): Promise<LoginShellError | undefined> {
  if (!proc.loginShell) return undefined;
  return Promise.race([proc.loginShell, new Promise<undefined>((r) => setTimeout(() => r(undefined), graceMs).unref())]);
}
