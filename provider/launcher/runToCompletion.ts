import { RemoteCommandError, TimeoutError, type Stage } from '../errors';
import type { ExitStatus, Transport } from '../transport';
import { loginShellRefusal, loginShellStall } from './loginShellStall';

/** Output beyond this is dropped: no host command of ours prints more, and a broken one must not exhaust memory. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface CompletedCommand {
  stdout: string;
  stderr: string;
  status: ExitStatus;
}

/** Run a short command on the host and collect its output, bounded in time and size. */
export async function runToCompletion(
  transport: Transport,
  argv: readonly string[],
  opts: { timeoutMs: number; stage: Stage; what: string },
): Promise<CompletedCommand> {
  // The time limit covers starting the command too: a channel that never opens must not hang the probe.
  const spawning = transport.spawn(argv);
  let spawnTimer: NodeJS.Timeout | undefined;
  const proc = await Promise.race([
    spawning,
    new Promise<never>((_, reject) => {
      spawnTimer = setTimeout(() => {
        void spawning.then((late) => late.abandon(), () => undefined);
        reject(new TimeoutError({ host: transport.label, stage: opts.stage, what: `${opts.what} did not start within ${opts.timeoutMs} ms`, timeoutMs: opts.timeoutMs }));
      }, opts.timeoutMs);
    }),
  ]).finally(() => clearTimeout(spawnTimer));
  proc.stdin.end();
  const collect = (stream: NodeJS.ReadableStream): Promise<string> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        if (size < MAX_OUTPUT_BYTES) chunks.push(c);
        size += c.length;
      });
      const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const late = new TimeoutError({ host: transport.label, stage: opts.stage, what: `${opts.what} took longer than ${opts.timeoutMs} ms`, timeoutMs: opts.timeoutMs });
      // Never started at all: the login shell (or its startup files) hung, not the command.
      void loginShellStall(proc, transport.label, opts.timeoutMs).then((stalled) => {
        proc.abandon();
        reject(stalled ?? late);
      });
    }, opts.timeoutMs);
  });
  try {
    const [stdout, stderr, status] = await Promise.race([Promise.all([collect(proc.stdout), collect(proc.stderr), proc.exit]), timeout]);
    // The account's login shell or ForceCommand ended the session without running the command: say so, not "exit 1".
    const refused = await loginShellRefusal(proc, 200);
    if (refused) throw refused;
    if (status.code !== 0) {
      throw new RemoteCommandError({
        host: transport.label,
        stage: opts.stage,
        what: `${opts.what} failed`,
        why: `exit ${status.code ?? status.signal ?? 'unknown'}${stderr.trim() ? `: ${stderr.trim().slice(0, 500)}` : ''}`,
      });
    }
    return { stdout, stderr, status };
  } finally {
    clearTimeout(timer);
  }
}
