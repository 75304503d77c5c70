import type { Client } from 'ssh2';
import { ConfigError, DisconnectedError, RemoteCommandError, formatZodIssues } from '../../errors';
import { ConnectionSchema, connectionLabel, type Connection, type ConnectionInput } from '../connectionSchema';
import type { HostProcess, Transport, TransportState } from '../transport';
import { channelProcess, type ChannelProcess, type LoginShellOutcome } from './channelProcess';
import { ChannelSlots } from './channelSlots';
import { connectHop } from './connectHop';
import { forwardStream } from './forwardStream';
import { loadHopPlan } from './hopPlan';
import { loginShellRefusal } from './loginShellRefusal';
import { redact } from './redact';
import { SSH_EXEC_COMMAND, STARTED_MARKER, startLine } from './remoteCommand';

/** Where SshTransport sends diagnostics: dial attempts, retries, disconnects. Never secrets. */
export interface SshLogger {
  debug(message: string): void;
}

/** Options of {@link SshTransport.connect}. */
export interface SshConnectOptions {
  /**
   * Called with security warnings, such as every connection made with
   * insecureSkipHostKeyVerification. Defaults to process.emitWarning.
   */
  onWarning?: (message: string) => void;
  logger?: SshLogger;
  /**
   * Session channels open at once on the connection; further spawns wait.
   * Keep it below sshd's MaxSessions (default 10). Default 8.
   */
  maxChannels?: number;
}

const DEFAULT_MAX_CHANNELS = 8;
/** How long close() waits for a polite goodbye before dropping the socket. */
const CLOSE_GRACE_MS = 2000;
/**
 * Attempts to open a session channel. sshd frees a closed session's slot
 * only after it has processed the input batch holding our close, so an open
 * sent right behind a close can be refused ("no more sessions") at MaxSessions.
 */
const OPEN_ATTEMPTS = 5;

/**
 * Runs programs on a host over one SSH connection (ssh2), optionally through
 * a jump host. Host keys are verified by default. Each spawn is an exec
 * channel running `sh -s`, with the argv POSIX-quoted on its stdin, so the
 * account's login shell never parses it; no pty.
 */
export class SshTransport implements Transport {
  readonly remote = true;
  readonly label: string;
  private readonly slots: ChannelSlots;
  private readonly live = new Set<ChannelProcess>();
  private readonly clientClosed: Promise<void>;
  private readonly jumpClosed: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lost = false;

  private constructor(
    label: string,
    private readonly client: Client,
    private readonly jump: Client | undefined,
    maxChannels: number,
    private readonly log: (message: string) => void,
    private readonly lastHeard: () => number,
    private readonly user: string,
  ) {
    this.label = label;
    this.slots = new ChannelSlots(maxChannels);
    this.clientClosed = new Promise((resolve) => client.once('close', resolve));
    this.jumpClosed = jump && new Promise((resolve) => jump.once('close', resolve));
    client.on('error', (err) => log(`${label}: connection error: ${err.message}`));
    client.once('close', () => this.connectionLost());
    if (jump) {
      jump.on('error', (err) => log(`${label}: jump host connection error: ${err.message}`));
      jump.once('close', () => client.destroy());
    }
  }

  /**
   * Connect, verify the host key (and the jump host's), authenticate. Dial
   * failures that may pass are retried with backoff up to dialErrorLimit.
   *
   * @throws ConfigError for an invalid connection or unreadable key,
   *   ConnectionError, HostKeyError, AuthenticationError.
   */
  static async connect(connection: Connection | ConnectionInput, options: SshConnectOptions = {}): Promise<SshTransport> {
    const parsed = ConnectionSchema.safeParse(connection);
    if (!parsed.success) {
      const issues = formatZodIssues(parsed.error, 'connection');
      throw new ConfigError({ what: 'the SSH connection settings are invalid', why: issues.join('; '), issues });
    }
    const c = parsed.data;
    const label = connectionLabel(c);
    const onWarning = options.onWarning ?? ((message: string) => process.emitWarning(message, 'SecurityWarning'));
    const debug = (message: string) => options.logger?.debug(message);
    const maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
    if (!Number.isInteger(maxChannels) || maxChannels < 1) {
      throw new ConfigError({ host: label, what: 'maxChannels must be a positive integer' });
    }

    const jumpPlan = c.proxy && (await loadHopPlan(c.proxy, onWarning));
    const plan = await loadHopPlan(c, onWarning);
    const secrets = [...plan.auth.secrets, ...(jumpPlan?.auth.secrets ?? [])];
    const jump = jumpPlan && (await connectHop(jumpPlan, { secrets, debug })).client;
    try {
      const target = await connectHop(plan, {
        openStream: jump && (() => forwardStream(jump, c.host, c.port, plan.timeoutMs)),
        via: jumpPlan?.label,
        secrets,
        debug,
      });
      return new SshTransport(label, target.client, jump, maxChannels, (m) => debug(redact(m, secrets)), target.lastHeard, plan.auth.username);
    } catch (err) {
      jump?.end();
      throw err;
    }
  }

  /**
   * How long nothing has arrived from the host, keepalive replies included.
   * Keepalives go out every few seconds, so a live host is never silent for
   * long; a long silence means the host or the network path stopped answering.
   */
  silentForMs(): number {
    return Date.now() - this.lastHeard();
  }

  /** Lost once the connection has dropped, closed once qemu-cpu closed it. */
  get state(): TransportState {
    return this.lost ? 'lost' : this.closing !== undefined ? 'closed' : 'open';
  }

  /** False once the connection has dropped or been closed. */
  get connected(): boolean {
    return this.state === 'open';
  }

  async spawn(argv: readonly string[]): Promise<HostProcess> {
    if (!Array.isArray(argv) || argv.length === 0 || argv[0] === '' || !argv.every((a) => typeof a === 'string' && !a.includes('\0'))) {
      throw new RemoteCommandError({
        host: this.label,
        stage: 'exec',
        what: 'refused to run an invalid command',
        why: 'argv must be a non-empty array of strings, the first non-empty, none containing a NUL byte',
      });
    }
    if (!this.connected) throw this.disconnected(argv[0]);
    const release = await this.slots.acquire();
    try {
      return (await this.exec(argv, release)).process;
    } catch (err) {
      release();
      throw err;
    }
  }

  private async exec(argv: readonly string[], release: () => void): Promise<ChannelProcess> {
    const program = argv[0];
    const start = {
      line: startLine(argv),
      marker: STARTED_MARKER,
      refused: (outcome: LoginShellOutcome) => loginShellRefusal(this.label, this.user, outcome),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<ChannelProcess>((resolve, reject) =>
          this.client.exec(SSH_EXEC_COMMAND, (err, channel) => {
            if (err) return reject(err);
            // Wrapped at once: ssh2 may emit the channel's exit and close in the same tick as this callback.
            const proc: ChannelProcess = channelProcess(channel, start, () => {
              this.live.delete(proc);
              release();
            });
            this.live.add(proc);
            resolve(proc);
          }),
        );
      } catch (err) {
        if (!this.connected) throw this.disconnected(program, err);
        // Boundary: ssh2's own words for a refused channel (external text; it gives no code).
        const refused = /open failure/i.test((err as Error).message);
        if (refused && attempt < OPEN_ATTEMPTS) {
          this.log(`${this.label}: session channel refused (attempt ${attempt}); retrying`);
          await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
          continue;
        }
        throw new RemoteCommandError({
          host: this.label,
          stage: 'exec',
          what: `could not start ${program}`,
          why: (err as Error).message,
          hint: refused ? "sshd refused another session; lower maxChannels below the host's MaxSessions." : undefined,
          cause: err,
        });
      }
    }
  }

  /** End the connection (and the jump host's). Running processes lose their channels. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.slots.close(new DisconnectedError({ host: this.label, stage: 'exec', what: 'the SSH transport was closed' }));
      await endClient(this.client, this.clientClosed);
      if (this.jump && this.jumpClosed) await endClient(this.jump, this.jumpClosed);
    })();
    return this.closing;
  }

  private connectionLost(): void {
    if (!this.lost && this.closing === undefined) this.log(`${this.label}: connection lost`);
    this.lost = true;
    this.slots.close(this.disconnected('a queued command'));
    for (const proc of [...this.live]) proc.connectionLost();
    this.jump?.end();
  }

  private disconnected(program: string, cause?: unknown): DisconnectedError {
    return new DisconnectedError({
      host: this.label,
      stage: 'exec',
      what: `could not start ${program}`,
      why: this.closing ? 'the SSH transport was closed' : 'the SSH connection was lost',
      cause,
    });
  }
}

async function endClient(client: Client, closed: Promise<void>): Promise<void> {
  client.end();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, CLOSE_GRACE_MS);
  });
  await Promise.race([closed, grace]);
  clearTimeout(timer);
}
