import { FACTS_SCRIPT, LAUNCH_SCRIPT } from '../provider/launcher/hostScripts';
import { TransportPool } from '../provider/probe/transportPool';
import { openTransport, type HostProcess, type Transport, type TransportState } from '../provider/transport';

/** What a {@link CountingTransport} saw. Shared by every transport given the same counter. */
export class SpawnCounter {
  /** Every exec. */
  spawns = 0;
  /** Execs of the facts script. */
  facts = 0;
  /** QEMU launches (the launch script). */
  qemuStarts = 0;
  /** QEMU launches whose process has not exited yet. */
  qemuInFlight = 0;
  /** The most QEMU processes alive at once. */
  maxQemuInFlight = 0;
  /** The QMP commands sent to every QEMU, by name, in the order written. */
  qmpCommands: string[] = [];
}

/**
 * A Transport that runs everything through another one and counts what it
 * runs, so tests and the bench can tell how many execs and QEMUs a probe
 * really cost (a cache hit starts none; a concurrency bound holds).
 */
export class CountingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    readonly counter: SpawnCounter = new SpawnCounter(),
  ) {}

  get label(): string {
    return this.inner.label;
  }

  get remote(): boolean {
    return this.inner.remote;
  }

  get state(): TransportState {
    return this.inner.state;
  }

  async spawn(argv: readonly string[]): Promise<HostProcess> {
    const c = this.counter;
    c.spawns++;
    if (argv[2] === FACTS_SCRIPT) c.facts++;
    const qemu = argv[2] === LAUNCH_SCRIPT;
    if (qemu) {
      c.qemuStarts++;
      c.maxQemuInFlight = Math.max(c.maxQemuInFlight, ++c.qemuInFlight);
    }
    try {
      const proc = await this.inner.spawn(argv);
      if (qemu) {
        void proc.exit.then(() => c.qemuInFlight--);
        tapQmpCommands(proc, c.qmpCommands);
      }
      return proc;
    } catch (err) {
      if (qemu) c.qemuInFlight--;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Records the name of each QMP command written to QEMU's stdin (the client writes one JSON object per line). */
function tapQmpCommands(proc: HostProcess, into: string[]): void {
  const write = proc.stdin.write.bind(proc.stdin) as (...args: unknown[]) => boolean;
  proc.stdin.write = ((chunk: unknown, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) {
      const name = /"execute":\s*"([^"]+)"/.exec(line)?.[1];
      if (name) into.push(name);
    }
    return write(chunk, ...rest);
  }) as typeof proc.stdin.write;
}

/** A fresh pool whose SSH transports count what they run, all into one counter. */
export function countingPool(counter: SpawnCounter = new SpawnCounter()): { pool: TransportPool; counter: SpawnCounter } {
  const pool = new TransportPool({}, async (c, onWarning) => new CountingTransport(await openTransport(c, { onWarning }), counter));
  return { pool, counter };
}

/**
 * Fresh counting pools for one test file: each fresh() has connections of
 * its own (a new process would), and closeAll() closes every one (afterAll).
 */
export function countingPools(): { fresh: () => { pool: TransportPool; counter: SpawnCounter }; closeAll: () => Promise<void> } {
  const pools: TransportPool[] = [];
  return {
    fresh: () => {
      const counted = countingPool();
      pools.push(counted.pool);
      return counted;
    },
    closeAll: async () => {
      await Promise.all(pools.map((p) => p.closeAll()));
    },
  };
}
