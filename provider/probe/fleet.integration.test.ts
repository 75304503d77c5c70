/**
 * Scale behaviour against real QEMU: M machine types checked in parallel
 * over one SSH connection, the concurrency bound of fleets, and one SSH
 * connection per host shared by everything in the process.
 */
import { ConfigError } from '../errors';
import { LocalTransport, type Connection } from '../transport';
import { probeHost, probeHosts } from './probeHost';
import { SelectionInputsSchema, type SelectionInputsInput } from '../inventory';
import { TransportPool, sharedPool } from './transportPool';
import { verifyMachineTypes, verifySelection } from './verifySelection';
import { CountingTransport, SpawnCounter, countingPool } from '../../harness/countingTransport';
import { startSshd, type Sshd } from '../../harness/sshd';

const inputs = (i: SelectionInputsInput) => SelectionInputsSchema.parse(i) as ReturnType<typeof SelectionInputsSchema.parse> & { model: string };

describe('verifyMachineTypes over a real loopback sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('runs the M checks in parallel over one SSH connection, one report per machine type', async () => {
    const { pool, counter } = countingPool();
    try {
      const types = ['pc-i440fx-2.0', 'pc-q35-7.2', 'q35'];
      const reports = await verifyMachineTypes(inputs({ model: 'qemu64', accelerator: 'tcg', hosts: [sshd.connection({ name: 'kvm-a' })] }), types, { pool });
      expect(pool.opened).toBe(1);
      expect(counter.qemuStarts).toBe(3);
      expect(counter.maxQemuInFlight).toBe(3);
      expect(reports.map((r) => r.hosts[0].machineType)).toEqual(['pc-i440fx-2.0', 'pc-q35-7.2', expect.stringMatching(/^pc-q35-\d+\.\d+$/)]);
      // As verifySelection says for each: legacy machine types resolve the alias to the legacy model.
      expect(reports.map((r) => r.qemuCpuArg)).toEqual(['qemu64,enforce', 'qemu64-v1,enforce', 'qemu64-v1,enforce']);
      expect(reports.every((r) => r.ok && r.decided)).toBe(true);
    } finally {
      await pool.closeAll();
    }
  });

  it('rejects an empty, invalid or repeated machine type list before asking any host', async () => {
    const pool = new TransportPool();
    const i = inputs({ model: 'qemu64', hosts: [sshd.connection()] });
    for (const types of [[], ['pc q35'], ['q35', 'q35']]) {
      await expect(verifyMachineTypes(i, types, { pool })).rejects.toThrow(ConfigError);
    }
    expect(pool.opened).toBe(0);
  });
});

describe('the concurrency bound (real QEMU on this machine, one pooled "host" per name)', () => {
  /** Every host name gets its own local transport; all share one counter. */
  function localFleet(): { pool: TransportPool; counter: SpawnCounter } {
    const counter = new SpawnCounter();
    const pool = new TransportPool({}, async (c: Connection) => new CountingTransport(new LocalTransport(c.name), counter));
    return { pool, counter };
  }
  const hosts = Array.from({ length: 5 }, (_, i) => ({ host: 'kvm.invalid', name: `kvm-${i}` }));

  it.each([1, 2])('verifySelection asks at most %i host(s) at once', async (concurrency) => {
    const { pool, counter } = localFleet();
    // cache off: every host must start its VM for the bound to be measured.
    const report = await verifySelection(inputs({ model: 'qemu64', machineType: 'pc-q35-7.2', accelerator: 'tcg', hosts, concurrency }), { pool, cache: 'off' });
    await pool.closeAll();
    expect(report.hosts.map((h) => h.enforceable)).toEqual([true, true, true, true, true]);
    expect(counter.qemuStarts).toBe(5);
    expect(counter.maxQemuInFlight).toBe(concurrency);
  });

  it('probeHosts asks at most `concurrency` hosts at once, and one failure hides no other', async () => {
    const { pool, counter } = localFleet();
    const requests = hosts.map((connection) => ({ connection, accelerator: 'tcg' as const }));
    requests[3] = { connection: hosts[3], accelerator: 'tcg', qemuBinary: '/nonexistent/qemu-system-x86_64' } as never;
    const results = await probeHosts(requests, { pool, concurrency: 2, cache: 'off' });
    await pool.closeAll();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results[0].status === 'fulfilled' && results[0].value.host).toBe('kvm-0');
    expect(counter.maxQemuInFlight).toBeLessThanOrEqual(2);
    expect(counter.maxQemuInFlight).toBeGreaterThan(0);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    await expect(probeHosts([], { concurrency: 0 })).rejects.toThrow(RangeError);
  });
});

describe('one SSH connection per host per process (the shared pool, real loopback sshd)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sharedPool.closeAll();
    await sshd?.stop();
  });

  it('the data source (probeHost), the resource (verifySelection) and fleets (probeHosts) share it', async () => {
    const before = sharedPool.opened;
    const connection = sshd.connection({ name: 'kvm-shared' });
    // As each surface builds it: fields in another order, defaults spelled out or not.
    const reordered = Object.fromEntries(Object.entries(connection).reverse()) as typeof connection;
    await Promise.all([
      probeHost({ connection, accelerator: 'tcg' }, { cache: 'off' }),
      verifySelection(inputs({ model: 'qemu64', accelerator: 'tcg', hosts: [{ ...reordered, port: sshd.port, insecureSkipHostKeyVerification: false }] })),
    ]);
    await probeHosts([{ connection: reordered, accelerator: 'tcg' }], { cache: 'off' });
    expect(sharedPool.opened - before).toBe(1);
    expect(sshd.logs().match(/Accepted publickey/g)).toHaveLength(1);
  });
});
