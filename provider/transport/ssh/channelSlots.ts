/**
 * A counting semaphore for the session channels open on one connection.
 * sshd refuses sessions beyond MaxSessions (default 10), so spawns beyond the
 * limit wait their turn instead of failing.
 */
export class ChannelSlots {
  private active = 0;
  private readonly waiters: Array<{ grant: (release: () => void) => void; refuse: (err: Error) => void }> = [];
  private closedWith: Error | undefined;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('maxChannels must be a positive integer');
  }

  /** Wait for a free slot; resolves with its (idempotent) release function. */
  acquire(): Promise<() => void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.active < this.limit) return Promise.resolve(this.take());
    return new Promise((grant, refuse) => this.waiters.push({ grant, refuse }));
  }

  /** Refuse every waiting and future acquire with `err`. */
  close(err: Error): void {
    this.closedWith ??= err;
    for (const waiter of this.waiters.splice(0)) waiter.refuse(this.closedWith);
  }

  private take(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiters.shift();
      if (next) next.grant(this.take());
    };
  }
}
