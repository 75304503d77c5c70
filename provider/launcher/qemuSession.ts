import { randomBytes } from 'node:crypto';
import { DisconnectedError, QemuCpuError, QemuLaunchError, TimeoutError } from '../errors';
import { QmpClient } from '../qmp';
import type { HostProcess, Transport } from '../transport';
import { KILL_SCRIPT, LAUNCH_SCRIPT, MARKER, QEMU_START_LINE, scriptArgv } from './hostScripts';
import { classifyLaunchFailure } from './launchFailure';
import { loginShellRefusal, loginShellStall } from './loginShellStall';
import { DEFAULT_TIMEOUTS, lifetimeSeconds, type LaunchOptions, type Timeouts } from './launchOptions';
import { qemuArgv } from './qemuArgv';
import { runToCompletion } from './runToCompletion';
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
    /** The launch's tag: every process of this launch carries it in its command line. */
    private readonly tag: string,
  ) {
    this.binary = binary;
  }

  /** Start QEMU on the host and negotiate QMP. */
  static async start(transport: Transport, opts: LaunchOptions): Promise<QemuSession> {
    const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    const host = transport.label;
    const tag = randomBytes(8).toString('hex');
    const argv = scriptArgv(LAUNCH_SCRIPT, [opts.accelerator, opts.qemuBinary ?? '', tag, transport.remote ? '1' : '0', String(lifetimeSeconds(timeouts)), ...qemuArgv(opts)]);
    const spawning = transport.spawn(argv);
    const proc = await withTimeout(spawning, timeouts.exec, () =>
      new TimeoutError({ host, stage: 'exec', what: `starting QEMU took longer than ${timeouts.exec} ms`, timeoutMs: timeouts.exec }),
    ).catch((err: unknown) => {
      // A spawn that completes after its time limit must not leave a QEMU behind.
      void spawning.then((late) => reapLate(transport, late, tag, timeouts), () => undefined);
      throw err;
    });

    const watched = watchStderr(proc);
    const { pid } = watched;
    const stderrText = () => watched.text();
    /** `qemuSaid`: stderr from before qemu-cpu ended QEMU (after that it only says it got a signal). */
    const failed = async (cause: unknown, qemuSaid: string): Promise<QemuCpuError> => {
      // A session the login shell (or ForceCommand) ended never ran the launch script: QEMU is not to blame.
      const refused = await loginShellRefusal(proc, 300);
      if (refused) return refused;
      const classified = classifyLaunchFailure(host, qemuSaid, cause, { cpu: opts.cpu, machineType: opts.machineType });
      if (classified) return classified;
      if (cause instanceof QemuCpuError) return explainFailure(transport, proc, stderrText, cause);
      return new QemuLaunchError({ host, stage: 'launch', what: 'QEMU did not start', why: String(cause), cause });
    };

    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(
        { input: proc.stdout, output: proc.stdin },
        { host, greetingTimeoutMs: timeouts.greeting, commandTimeoutMs: timeouts.command, startLine: QEMU_START_LINE },
      );
    } catch (err) {
      // Let stderr drain: QEMU's explanation usually arrives with its exit. A QEMU that is still
      // running did not fail at start-up: its stderr explains nothing, and the error stands.
      const exitedByItself = await Promise.race([proc.exit.then(() => true), sleep(300).then(() => false)]);
      const qemuSaid = exitedByItself ? stderrText() : '';
      // Exited, yet QEMU's stdout is still open: the binary forked QEMU and left (a wrapper without exec).
      const forkedAway = exitedByItself && !proc.stdout.readableEnded && err instanceof TimeoutError;
      const stalled = err instanceof TimeoutError ? await loginShellStall(proc, host, timeouts.greeting) : undefined;
      if (stalled) {
        // The launch script never ran, so there is no QEMU; a kill script would hang in the same login shell.
        proc.abandon();
        throw stalled;
      }
      // No quit was sent, so there is no exit to wait for: straight to TERM.
      await terminate(transport, proc, { pid, tag, timeouts: { ...timeouts, shutdown: 0 }, quitAnswered: false });
      if (forkedAway) throw forkedLaunch(host, watched.binary() || (opts.qemuBinary ?? 'the QEMU binary'), err);
      throw await failed(err, qemuSaid);
    }
    // The pid line precedes exec, so it has normally arrived with the greeting.
    await Promise.race([pid, sleep(200)]);
    return new QemuSession(transport, proc, qmp, pid, watched.binary() || (opts.qemuBinary ?? ''), stderrText, timeouts, tag);
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

  /** quit → TERM → KILL. Never throws; the process is gone, or left to pdeathsig and the watchdog, when it returns. */
  async shutdown(): Promise<void> {
    let quitAnswered = false;
    try {
      await withTimeout(this.qmp.executeQuit(), this.timeouts.shutdown, () => new Error('quit timed out'));
      quitAnswered = true;
    } catch {
      /* escalate below */
    }
    this.qmp.close();
    await terminate(this.transport, this.proc, { pid: this.pid, tag: this.tag, timeouts: this.timeouts, quitAnswered });
  }
}

/**
 * The error for a QEMU binary that exited at once while something it
 * started kept QEMU's output open: a wrapper that forks QEMU (`qemu … &`)
 * instead of exec'ing it. sshd closes a command's stdin once the command has
 * exited, so QMP commands never reach the QEMU it left.
 */
function forkedLaunch(host: string, binary: string, cause: TimeoutError): QemuLaunchError {
  return new QemuLaunchError({
    host,
    stage: 'launch',
    cause,
    what: `${binary} exited, leaving QEMU running without its QMP input`,
    why: `it forked QEMU (or ran it in the background) instead of exec'ing it, so sshd closed QEMU's stdin when it exited and ${cause.what}`,
    hint: 'End the wrapper with `exec qemu-system-… "$@"`. qemu-cpu ended the QEMU it left.',
  });
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
      // Boundary: the launch script's own pid line on QEMU's stderr (external input), not a qemu-cpu message.
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
async function reapLate(transport: Transport, proc: HostProcess, tag: string, timeouts: Timeouts): Promise<void> {
  const { pid } = watchStderr(proc);
  proc.stdout.resume();
  proc.stdin.end();
  await terminate(transport, proc, { pid, tag, timeouts: { ...timeouts, shutdown: 1 }, quitAnswered: false, pidWaitMs: timeouts.exec });
}

async function explainFailure<E>(transport: Transport, proc: HostProcess, stderr: () => string, err: E): Promise<E | DisconnectedError> {
  if (!(err instanceof DisconnectedError)) return err;
  const host = err.host ?? transport.label;
  // The transport says when its connection is gone; QEMU then went with the session (pdeathsig).
  if (transport.state !== 'open') {
    return new DisconnectedError({
      host,
      stage: err.stage,
      what: `the SSH connection was lost: ${err.what}`,
      why: 'sshd, the network or the host went away in the middle of the probe',
      hint: 'On the host, QEMU is ended with the session (pdeathsig, and the launch\'s watchdog within about 2 s); check the host and its sshd, then retry.',
      cause: err,
    });
  }
  const status = await Promise.race([proc.exit, sleep(300).then(() => undefined)]);
  if (!status) return err;
  const qemuLines = stderr()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(MARKER));
  const said = qemuLines
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
    qemuStderr: qemuLines.join('\n') || undefined,
  });
}

interface Termination {
  /** QEMU's pid as the launch script reported it. */
  pid: Promise<number | undefined>;
  /** The launch's tag: also finds a QEMU that a qemuBinary wrapper forked. */
  tag: string;
  timeouts: Timeouts;
  /** QEMU answered quit: its exit (or its channel's) ends the launch, no sweep is needed. */
  quitAnswered: boolean;
  /** How long to wait for the pid line. Default 100 ms. */
  pidWaitMs?: number;
}

/**
 * Wait for the exit, then TERM and KILL the launch's processes (its pid and
 * every process carrying its tag) over a second channel, 1 s apart, until
 * the kill script finds none left. Without a quit answer the sweep runs even
 * after the channel's exit: a forking wrapper exits at once, its QEMU later.
 */
async function terminate(transport: Transport, proc: HostProcess, t: Termination): Promise<void> {
  const exited = (ms: number) => Promise.race([proc.exit.then(() => true), sleep(ms).then(() => false)]);
  const gone = await exited(t.timeouts.shutdown);
  if (gone && t.quitAnswered) return proc.abandon();
  // A pid is only signalled while its process has not been seen to exit: after that it may be another's.
  const knownPid = gone ? undefined : await Promise.race([t.pid, sleep(t.pidWaitMs ?? 100).then(() => undefined)]);
  for (const signal of ['TERM', 'KILL']) {
    let signalled: number | undefined;
    try {
      const out = await runToCompletion(transport, scriptArgv(KILL_SCRIPT, [signal, knownPid === undefined ? '' : String(knownPid), t.tag]), {
        timeoutMs: t.timeouts.exec,
        stage: 'shutdown',
        what: `sending ${signal} to QEMU`,
      });
      // The count is the script's last line; a login shell's startup files may print before it.
      signalled = Number(out.stdout.trim().split('\n').pop());
    } catch {
      /* the connection may be gone; pdeathsig and the watchdog then end QEMU */
    }
    if (signalled === 0) break;
    // Seen running, then gone: the exec'd QEMU has ended. A wrapper's channel was gone before, so sweep once more.
    if ((await exited(1_000)) && !gone) break;
  }
  proc.abandon();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
