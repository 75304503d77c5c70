import { FACTS_SCRIPT, LAUNCH_SCRIPT } from '../../provider/launcher/hostScripts';
import { TransportPool } from '../../provider/probe/transportPool';
import { openTransport, type HostProcess, type Transport } from '../../provider/transport';

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
      if (qemu) void proc.exit.then(() => c.qemuInFlight--);
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

/** A fresh pool whose SSH transports count what they run, all into one counter. */
export function countingPool(counter: SpawnCounter = new SpawnCounter()): { pool: TransportPool; counter: SpawnCounter } {
  const pool = new TransportPool({}, async (c, onWarning) => new CountingTransport(await openTransport(c, { onWarning }), counter));
  return { pool, counter };
}
