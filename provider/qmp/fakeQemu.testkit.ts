import { PassThrough } from 'node:stream';

/** A command as the fake QEMU received it. */
export interface ReceivedCommand {
  execute: string;
  arguments?: Record<string, unknown>;
  id: unknown;
}

/** What the greeting of a fake QEMU says by default. */
export const FAKE_GREETING = {
  QMP: { version: { qemu: { major: 9, minor: 1, micro: 0 }, package: 'fake' }, capabilities: ['oob'] },
};

/**
 * A scripted QEMU for tests: `io` is what a QmpClient talks to, `send`
 * writes QEMU's side, `nextCommand` waits for what the client sent.
 * Only for tests; not exported from the package.
 */
export class FakeQemu {
  /** QEMU's stdout: the client's input. */
  readonly stdout = new PassThrough();
  /** QEMU's stdin: the client's output. */
  readonly stdin = new PassThrough();
  readonly received: ReceivedCommand[] = [];
  private buffered = '';
  private readonly waiters: Array<(command: ReceivedCommand) => void> = [];
  private readonly queue: ReceivedCommand[] = [];
  /** Answers given automatically, by command name. */
  readonly autoReplies = new Map<string, (command: ReceivedCommand) => unknown>();

  constructor() {
    this.stdin.setEncoding('utf8');
    this.stdin.on('data', (text: string) => {
      this.buffered += text;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) !== -1) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const command = JSON.parse(line) as ReceivedCommand;
        this.received.push(command);
        const auto = this.autoReplies.get(command.execute);
        if (auto) {
          const reply = auto(command);
          if (reply !== undefined) this.send(reply);
          continue;
        }
        const waiter = this.waiters.shift();
        if (waiter) waiter(command);
        else this.queue.push(command);
      }
    });
  }

  get io(): { input: PassThrough; output: PassThrough } {
    return { input: this.stdout, output: this.stdin };
  }

  /** Write a message (serialized, "\r\n"-terminated) or raw text. */
  send(message: unknown): void {
    if (this.stdout.writableEnded) return;
    this.stdout.write(typeof message === 'string' ? message : `${JSON.stringify(message)}\r\n`);
  }

  greet(): void {
    this.send(FAKE_GREETING);
  }

  /** Answer qmp_capabilities automatically. */
  acceptCapabilities(): void {
    this.autoReplies.set('qmp_capabilities', (c) => ({ return: {}, id: c.id }));
  }

  nextCommand(): Promise<ReceivedCommand> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** QEMU exits: its stdout ends. */
  end(): void {
    this.stdout.end();
  }

  /** Tear both streams down. */
  destroy(): void {
    this.stdout.destroy();
    this.stdin.destroy();
  }
}
