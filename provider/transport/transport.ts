import type { LoginShellError } from '../errors';
import type { Readable, Writable } from 'node:stream';

/** How a process on the host ended. */
export interface ExitStatus {
  /** Exit code, or null when killed by a signal or when the channel closed without one. */
  code: number | null;
  /** Signal name without the SIG prefix, when known. */
  signal: string | null;
}

/** A process started on the host, with its three standard streams. */
export interface HostProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the process has exited or its channel has closed. Never rejects. */
  readonly exit: Promise<ExitStatus>;
  /** Drop the process's channel (SSH) or pipes (local) without waiting. */
  abandon(): void;
  /**
   * SSH only: settles undefined once the account's login shell (and any
   * ForceCommand) has started the command, or with a LoginShellError when
   * the session ended before it did. Never rejects.
   */
  readonly loginShell?: Promise<LoginShellError | undefined>;
}

/**
 * One way of running programs on a host: over SSH or on this machine.
 *
 * `spawn` takes an argv, never a command string. Implementations that go
 * through a shell (SSH) quote every element; callers still validate values
 * against strict patterns before they get here.
 */
export interface Transport {
  /** A short label for messages and reports: the connection's name or host[:port]. */
  readonly label: string;
  /** True for SSH transports. */
  readonly remote: boolean;
  spawn(argv: readonly string[]): Promise<HostProcess>;
  /** Close the connection. Processes still running lose their channel. Idempotent. */
  close(): Promise<void>;
  /** How long nothing has arrived from the host; only for remote transports that can tell. */
  silentForMs?(): number;
  /**
   * The connection's state, for callers that must tell a lost connection
   * from a process that ended: open; closed (by qemu-cpu); or lost (the host,
   * sshd or the network dropped it). This machine's transport is always open.
   */
  readonly state: TransportState;
}

/** Where a transport's connection stands; see {@link Transport.state}. */
export type TransportState = 'open' | 'closed' | 'lost';
