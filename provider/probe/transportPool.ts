import { createHash } from 'node:crypto';
import { openTransport, type Connection, type Transport } from '../launcher';

/** Close a connection after this long without use; short, so programs and CLIs exit promptly. */
const DEFAULT_IDLE_MS = 3_000;

interface PoolEntry {
  transport: Promise<Transport>;
  /** The transport once connected. */
  open?: Transport;
  users: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * One SSH connection per host per process, shared by everything that probes
 * that host: the data source, the resource and the CLI. Connections close
 * after a short idle period, or all at once with closeAll().
 */
export class TransportPool {
  private readonly entries = new Map<string, PoolEntry>();
  /** How many connections were opened; for tests and the bench. */
  opened = 0;

  constructor(
    private readonly options: { idleMs?: number; onWarning?: (m: string) => void } = {},
    private readonly open: (c: Connection, onWarning?: (m: string) => void) => Promise<Transport> = (c, w) => openTransport(c, { onWarning: w }),
  ) {}

  /** Run `work` with the shared transport to this host, opening it if needed. */
  async use<T>(connection: Connection, work: (t: Transport) => Promise<T>): Promise<T> {
    const key = poolKey(connection);
    let entry = this.entries.get(key);
    // A connection that dropped (a partition, keepalives unanswered) or was closed at a host's time limit is not reused.
    if (entry?.open && entry.open.state !== 'open') {
      if (entry.idleTimer) clearTimeout(entry.idleTimer);
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      this.opened++;
      entry = { transport: this.open(connection, this.options.onWarning), users: 0 };
      this.entries.set(key, entry);
      const opening = entry;
      // A failed connect is not cached: the next use dials again.
      entry.transport.then(
        (t) => (opening.open = t),
        () => this.entries.get(key) === opening && this.entries.delete(key),
      );
    }
    entry.users++;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    try {
      const transport = await entry.transport;
      return await work(transport);
    } finally {
      entry.users--;
      if (entry.users === 0 && this.entries.get(key) === entry) this.scheduleIdleClose(key, entry);
    }
  }

  private scheduleIdleClose(key: string, entry: PoolEntry): void {
    entry.idleTimer = setTimeout(() => {
      if (entry.users > 0 || this.entries.get(key) !== entry) return;
      this.entries.delete(key);
      void entry.transport.then((t) => t.close(), () => undefined);
    }, this.options.idleMs ?? DEFAULT_IDLE_MS);
    entry.idleTimer.unref();
  }

  /** Close every connection now. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map(async (e) => {
        if (e.idleTimer) clearTimeout(e.idleTimer);
        await e.transport.then((t) => t.close(), () => undefined);
      }),
    );
  }
}

/** Connections that would authenticate the same way to the same host share a key. Secrets are only hashed, in memory. */
function poolKey(c: Connection): string {
  return createHash('sha256').update(JSON.stringify(c, Object.keys(c).sort())).update(JSON.stringify(c.proxy ?? null)).digest('hex');
}

/** The process-wide pool. */
export const sharedPool = new TransportPool();
