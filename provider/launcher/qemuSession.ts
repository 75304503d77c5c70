import { DisconnectedError, QemuCpuError, QemuLaunchError, TimeoutError } from '../errors';
import { QmpClient } from '../qmp';
import type { HostProcess, Transport } from '../transport';
import { KILL_SCRIPT, LAUNCH_SCRIPT, MARKER, scriptArgv } from './hostScripts';
import { classifyLaunchFailure } from './launchFailure';
import { DEFAULT_TIMEOUTS, type LaunchOptions, type Timeouts } from './launchOptions';
import { qemuArgv } from './qemuArgv';
import { withTimeout } from './withTimeout';

/** QEMU's stderr kept for error messages; the tail is what explains a failure. */
const MAX_STDERR_CHARS = 64 * 1024;

/**
 * One short-lived, paused QEMU on a host with a QMP client attached.
 *
 * Lifecycle (after QEMU's python/qemu/machine.py): start → QMP greeting and
 * negotiation → queries → shutdown as quit, then TERM, then KILL, each with
 * its own time limit. On any start-up failure the process is shut down
 * before the error is thrown.
 */
export class QemuSession {
  /** The QEMU binary the host actually ran. */
  readonly binary: string;

  private constructor(
    private readonly transport: Transport,
    private readonly proc: HostProcess,
    readonly qmp: QmpClient,
    /** The QEMU process id on the host, once the launch script has reported it. */
    readonly pid: Promise<number | undefined>,
    binary: string,
    private readonly stderr: () => string,
    private readonly timeouts: Timeouts,
  ) {
    this.binary = binary;
  }

  /** Start QEMU on the host and negotiate QMP. */
  static async start(transport: Transport, opts: LaunchOptions): Promise<QemuSession> {
    const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    const host = transport.label;
    const argv = scriptArgv(LAUNCH_SCRIPT, [opts.accelerator, opts.qemuBinary ?? '', ...qemuArgv(opts)]);
    const spawning = transport.spawn(argv);
    const proc = await withTimeout(spawning, timeouts.exec, () =>
      new TimeoutError({ host, stage: 'exec', what: `starting QEMU took longer than ${timeouts.exec} ms`, timeoutMs: timeouts.exec }),
    ).catch((err: unknown) => {
      // A spawn that completes after its time limit must not leave a QEMU behind.
      void spawning.then((late) => reapLate(transport, late, timeouts), () => undefined);
      throw err;
    });

    const watched = watchStderr(proc);
    const { pid } = watched;
    const stderrText = () => watched.text();
    const failed = async (cause: unknown): Promise<QemuCpuError> => {
      const classified = classifyLaunchFailure(host, stderrText(), cause, opts.cpu);
      if (classified) return classified;
      if (cause instanceof QemuCpuError) return explainFailure(transport, proc, stderrText, cause);
      return new QemuLaunchError({ host, stage: 'launch', what: 'QEMU did not start', why: String(cause), cause });
    };

    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(
        { input: proc.stdout, output: proc.stdin },
        { host, greetingTimeoutMs: timeouts.greeting, commandTimeoutMs: timeouts.command },
      );
    } catch (err) {
      // Let stderr drain: QEMU's explanation usually arrives with its exit.
      await Promise.race([proc.exit, sleep(300)]);
      await terminate(transport, proc, pid, timeouts);
      throw await failed(err);
    }
    // The pid line precedes exec, so it has normally arrived with the greeting.
    await Promise.race([pid, sleep(200)]);
    return new QemuSession(transport, proc, qmp, pid, watched.binary() || (opts.qemuBinary ?? ''), stderrText, timeouts);
  }

  /** What QEMU printed on stderr so far (our own marker lines removed). */
  stderrText(): string {
    return this.stderr()
      .split('\n')
      .filter((l) => !l.startsWith(MARKER))
      .join('\n');
  }

  /**
   * The error to report for a failure during the queries: a disconnect is
   * said to be the SSH connection's loss, or QEMU's exit with its status and
   * last words, rather than just "the stream closed". Other errors pass.
   */
  explain<E>(err: E): Promise<E | DisconnectedError> {
    return explainFailure(this.transport, this.proc, this.stderr, err);
  }

  /** quit → TERM → KILL. Never throws; the process is gone or orphaned to pdeathsig when it returns. */
  async shutdown(): Promise<void> {
    try {
      await withTimeout(this.qmp.executeQuit(), this.timeouts.shutdown, () => new Error('quit timed out'));
    } catch {
      /* escalate below */
    }
    this.qmp.close();
    await terminate(this.transport, this.proc, this.pid, this.timeouts);
  }
}

/** Follow QEMU's stderr: the launch script's pid line, and the last MAX_STDERR_CHARS of text. */
function watchStderr(proc: HostProcess): { pid: Promise<number | undefined>; text: () => string; binary: () => string } {
  let text = '';
  let binary = '';
  let resolvePid!: (pid: number | undefined) => void;
  const pid = new Promise<number | undefined>((r) => (resolvePid = r));
  let lineBuffer = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    const piece = chunk.toString('utf8');
    text = (text + piece).slice(-MAX_STDERR_CHARS);
    lineBuffer = (lineBuffer + piece).slice(-MAX_STDERR_CHARS);
    let nl: number;
    while ((nl = lineBuffer.indexOf('\n')) >= 0) {
      const line = lineBuffer.slice(0, nl);
      lineBuffer = lineBuffer.slice(nl + 1);
      const m = /^qemu-cpu:pid=(\d+) binary=(.*)$/.exec(line);
      if (m) {
        binary = m[2];
        resolvePid(Number(m[1]));
      }
    }
  });
  proc.stderr.on('error', () => undefined);
  void proc.exit.then(() => resolvePid(undefined));
  return { pid, text: () => text, binary: () => binary };
}

/** End a QEMU whose start was given up on (exec timed out) but that started anyway. */
async function reapLate(transport: Transport, proc: HostProcess, timeouts: Timeouts): Promise<void> {
  const { pid } = watchStderr(proc);
  proc.stdout.resume();
  proc.stdin.end();
  await terminate(transport, proc, pid, { ...timeouts, shutdown: 1 }, timeouts.exec);
}

async function explainFailure<E>(transport: Transport, proc: HostProcess, stderr: () => string, err: E): Promise<E | DisconnectedError> {
  if (!(err instanceof DisconnectedError)) return err;
  const host = err.host ?? transport.label;
  // SshTransport says when its connection is gone; QEMU then went with the session (pdeathsig).
  if ((transport as { connected?: unknown }).connected === false) {
    return new DisconnectedError({
      host,
      stage: err.stage,
      what: `the SSH connection was lost: ${err.what}`,
      why: 'sshd, the network or the host went away in the middle of the probe',
      hint: 'QEMU ran under pdeathsig and ended with the session; check the host and its sshd, then retry.',
      cause: err,
    });
  }
  const status = await Promise.race([proc.exit, sleep(300).then(() => undefined)]);
  if (!status) return err;
  const said = stderr()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(MARKER))
    .slice(-3)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join(' | ');
  const how = status.code !== null ? `with status ${status.code}` : status.signal ? `on signal ${status.signal}` : 'without an exit status';
  return new DisconnectedError({
    host,
    stage: err.stage,
    what: err.what,
    why: `${err.why ? `${err.why}; ` : ''}QEMU exited ${how}${said ? `, saying: ${said}` : ' and said nothing on stderr'}`,
    hint: 'QEMU ended in the middle of the conversation; run the same QEMU by hand on the host to see why.',
    cause: err,
  });
}

async function terminate(transport: Transport, proc: HostProcess, pid: Promise<number | undefined>, timeouts: Timeouts, pidWaitMs = 100): Promise<void> {
  const exited = (ms: number) => Promise.race([proc.exit.then(() => true), sleep(ms).then(() => false)]);
  if (await exited(timeouts.shutdown)) return proc.abandon();
  const knownPid = await Promise.race([pid, sleep(pidWaitMs).then(() => undefined)]);
  for (const signal of ['TERM', 'KILL']) {
    if (knownPid === undefined) break;
    try {
      await withTimeout(
        transport.spawn(scriptArgv(KILL_SCRIPT, [signal, String(knownPid)])).then((p) => {
          p.stdin.end();
          p.stdout.resume();
          p.stderr.resume();
          return p.exit;
        }),
        timeouts.exec,
        () => new Error('kill timed out'),
      );
    } catch {
      /* the connection may be gone; pdeathsig then ends QEMU */
    }
    if (await exited(1_000)) break;
  }
  proc.abandon();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
