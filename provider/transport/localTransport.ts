import { spawn } from 'node:child_process';
import { RemoteCommandError } from '../errors';
import type { ExitStatus, HostProcess, Transport } from './transport';

/**
 * Runs programs on this machine, without a shell. Used when no host is given.
 */
export class LocalTransport implements Transport {
  readonly label: string;
  readonly remote = false;
  /** Nothing is held open that could drop. */
  readonly state = 'open' as const;

  constructor(label = 'localhost') {
    this.label = label;
  }

  async spawn(argv: readonly string[]): Promise<HostProcess> {
    if (argv.length === 0) throw new Error('spawn needs a program');
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const exit = new Promise<ExitStatus>((resolve) => {
      child.once('error', () => resolve({ code: null, signal: null }));
      child.once('close', (code, signal) => resolve({ code, signal: signal ? signal.replace(/^SIG/, '') : null }));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(new RemoteCommandError({ host: this.label, stage: 'exec', what: `could not start ${argv[0]}`, why: err.message, cause: err })),
      );
    });
    // A process that dies while we write must not crash the controller with EPIPE.
    child.stdin.on('error', () => undefined);
    return {
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exit,
      abandon: () => {
        child.stdin.destroy();
        child.stdout.destroy();
        child.stderr.destroy();
      },
    };
  }

  async close(): Promise<void> {
    /* nothing is held open */
  }
}
