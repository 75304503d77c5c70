/**
 * `npm run bench`: qemu-cpu's probe service against the physical limit and
 * its peers, side by side in one run, on loopback hosts it sets up itself.
 * Prints a table of medians and ratios and writes it to bench/RESULTS.md.
 *
 * Environment: BENCH_SAMPLES (default 11) samples per latency row;
 * BENCH_CONCURRENCY (default 16) hosts asked at once in fleets;
 * BENCH_ROWS=substring only the row groups (bench/rowGroups.ts) whose name contains it;
 * BENCH_ACCEL (kvm|tcg; default kvm where /dev/kvm works here, else tcg,
 * and the results say so). BENCH_ROWS=whole-process runs bench/wholeProcess.ts's rows alone.
 */
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeHost, probeHosts, verifyMachineTypes, verifyOver, verifySelection, TransportPool } from '../provider/probe';
import { SelectionInputsSchema, type SelectionInputs } from '../provider/inventory';
import { Client } from 'ssh2';
import { SshTransport, shellJoin, type ConnectionInput } from '../provider/transport';
import { ACCELERATORS, AcceleratorSchema, type Accelerator, type NormalizedSelection } from '../provider/model';
import { countingPool } from '../harness/countingTransport';
import { kvmUsable } from '../harness/accel';
import { repoRoot } from '../harness/paths';
import { rawQmp } from '../harness/rawQmp';
import { startSshd, type Sshd } from '../harness/sshd';
import { cpuMs, cpuPer, machineBusyMs, median, ms, opensshArgv, ratio, runProcess, samples, settle, timed, which, withPool } from './measure';
import { baselineRows } from './baselineRows';
import { renderTable, rowGroupRows, runRowGroups, scratchIn, yes, type Row, type RowGroup } from './rowGroups';
import type { MemoryJob, MemoryResult } from './memoryChild';
import { wholeProcessRows } from './wholeProcess';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 11);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CORES = os.availableParallelism();
const CPU_SAMPLES = 8;
/** The accelerator every probe and check asks for. */
const ACCEL = benchAccelerator();
const FLEETS = [1, 8, 64] as const;
const MEMORY_HOSTS = 256;
const MACHINE_TYPES = ['pc-q35-7.2', 'pc-i440fx-7.2', 'pc-q35-6.2', 'pc-i440fx-6.2'];
/** A versioned name, as \`model: auto\` pins and docs/provider.md recommends: it resolves to itself, so a check skips query-cpu-definitions. */
const VERIFY_MODEL = 'qemu64-v1';
/** Verification rows: the versioned name, and an alias, whose resolution costs query-cpu-definitions in every VM. */
const VERIFY_CASES = [
  { model: VERIFY_MODEL, counts: [2, 3, 4] },
  { model: 'qemu64', counts: [2, 4] },
] as const;

/** The capability probe's QMP queries, as qemu-cpu sends them (see launcher/capabilityProbe.ts). */
const PROBE_QUERIES = [
  { execute: 'query-version' },
  { execute: 'query-target' },
  { execute: 'query-kvm' },
  { execute: 'query-machines' },
  { execute: 'query-cpu-definitions' },
  { execute: 'query-cpu-model-expansion', arguments: { type: 'static', model: { name: ACCEL === 'kvm' ? 'host' : 'max' } } },
];
const QEMU_ARGS = ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'none', '-accel', ACCEL, '-qmp', 'stdio'];

/** BENCH_ACCEL, else KVM where this machine can use it, else TCG. */
function benchAccelerator(): Accelerator {
  const asked = process.env.BENCH_ACCEL;
  const parsed = AcceleratorSchema.safeParse(asked);
  if (parsed.success) return parsed.data;
  if (asked) throw new Error(`BENCH_ACCEL must be ${ACCELERATORS.join(' or ')}, not ${asked}`);
  return kvmUsable ? 'kvm' : 'tcg';
}

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

/** Rows in files of their own, run after the built-in ones; BENCH_ROWS=substring runs only the groups whose name contains it. */
const ROW_GROUPS: RowGroup[] = [{ name: 'baseline', rows: baselineRows }];

/** The whole-process rows: in a full run they stand beside the probe rows they compare with; BENCH_ROWS can pick them alone. */
const WHOLE_PROCESS: RowGroup = {
  name: 'whole-process',
  rows: (ctx) => wholeProcessRows({ sshd: ctx.sshd, accelerator: ctx.accel, samples: ctx.samples, openssh: opensshPipeline(ctx.sshd) }),
};

async function main(): Promise<void> {
  if (process.env.BENCH_ROWS) return runRowGroups([WHOLE_PROCESS, ...ROW_GROUPS], process.env.BENCH_ROWS, { accel: ACCEL, samples: SAMPLES, log });
  const started = Date.now();
  const startLoad = os.loadavg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-bench-'));
  // Fleets dial 64 connections at once: sshd's default MaxStartups (10:30:100) would drop most of them.
  const sshd = await startSshd({ maxStartups: 1024, logLevel: 'INFO' });
  let dirs = 0;
  const freshCacheDir = () => path.join(tmp, `cache-${dirs++}`);
  const connection = (name: string): ConnectionInput => sshd.connection({ name });
  /** A probe request for one host name. */
  const request = (name: string) => ({ connection: connection(name), accelerator: ACCEL });
  const rows: Row[] = [];
  try {
    // ---------------------------------------------------------------- probes
    log(`probes: ${SAMPLES} samples of each, interleaved`);
    const warmDir = freshCacheDir();
    await withPool((pool) => probeHost(request('bench'), { pool, cacheDir: warmDir }));
    const openssh = opensshPipeline(sshd);
    const virsh = virshReference();
    // One untimed call first: libvirt fills its capabilities cache on the first.
    const firstLine = (err: Error) => err.message.split('\n')[0];
    let virshFailure = virsh ? await runProcess(virsh).then(() => undefined, firstLine) : undefined;
    const s = { handshake: [] as number[], handshakeNoDelay: [] as number[], local: [] as number[], cold: [] as number[], warm: [] as number[], openssh: [] as number[], virsh: [] as number[] };
    const warmCounts: Array<{ opened: number; spawns: number; qemu: number; fromCache: boolean }> = [];
    for (let i = 0; i < SAMPLES; i++) {
      s.handshake.push(await handshake(sshd));
      s.handshakeNoDelay.push(await handshake(sshd, true));
      s.local.push((await timed(() => rawQmp(QEMU_ARGS.slice(5, 9), PROBE_QUERIES))).ms);
      s.cold.push((await timed(() => withPool((pool) => probeHost(request('bench'), { pool, cacheDir: freshCacheDir() })))).ms);
      const { pool, counter } = countingPool();
      const warm = await timed(() => probeHost(request('bench'), { pool, cacheDir: warmDir }));
      s.warm.push(warm.ms);
      warmCounts.push({ opened: pool.opened, spawns: counter.spawns, qemu: counter.qemuStarts, fromCache: warm.value.fromCache === true });
      await pool.closeAll();
      s.openssh.push(await runProcess(openssh.argv, openssh.stdin));
      if (virsh && !virshFailure && i < 3) {
        await runProcess(virsh).then(
          (t) => s.virsh.push(t),
          (err: Error) => (virshFailure = firstLine(err)),
        );
      }
    }
    const m = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)])) as Record<keyof typeof s, number>;
    const physical = m.handshake + m.local;
    const tighter = m.handshakeNoDelay + m.local;
    rows.push(
      { case: 'Reference: one local QEMU probe (`-machine none`, same queries, raw QMP)', median: ms(m.local), reference: '—', ratio: '—', target: '—', met: '' },
      { case: 'Reference: ssh2 connect, handshake and auth (bare ssh2 client, to ready)', median: ms(m.handshake), reference: '—', ratio: '—', target: '—', met: '' },
      {
        case: 'The same bare ssh2 handshake with TCP_NODELAY from the first byte, as qemu-cpu dials (not a target reference)',
        median: ms(m.handshakeNoDelay),
        reference: `bare ssh2 ${ms(m.handshake)}`,
        ratio: ratio(m.handshakeNoDelay, m.handshake),
        target: '—',
        met: '',
      },
      { case: 'Reference: the same probe through OpenSSH `ssh` and a shell pipeline', median: ms(m.openssh), reference: `handshake + local probe ${ms(physical)}`, ratio: ratio(m.openssh, physical), target: '—', met: '' },
      virsh && !virshFailure
        ? { case: `Reference: \`virsh ${virsh.slice(1).join(' ')}\` (libvirt, warm)`, median: ms(m.virsh), reference: `handshake + local probe ${ms(physical)}`, ratio: ratio(m.virsh, physical), target: '—', met: '' }
        : {
            case: 'Reference: `virsh domcapabilities`',
            median: virsh ? `not measured: ${virshFailure} (is libvirtd running?)` : 'not measured: libvirt (virsh) is not installed here',
            reference: '—',
            ratio: '—',
            target: '—',
            met: '',
          },
      {
        case: 'Cold probe over SSH (new connection, empty cache: facts ∥ QEMU)',
        median: ms(m.cold),
        reference: `handshake + local probe ${ms(physical)}; with the TCP_NODELAY handshake ${ms(tighter)} (${ratio(m.cold, tighter)}); OpenSSH pipeline ${ms(m.openssh)} (${ratio(m.cold, m.openssh)})`,
        ratio: ratio(m.cold, physical),
        target: '≤ 1.30×',
        met: yes(m.cold <= 1.3 * physical),
      },
    );
    const warmOk = warmCounts.every((c) => c.opened === 1 && c.spawns === 1 && c.qemu === 0 && c.fromCache);
    const worst = warmCounts.reduce((a, c) => ({ opened: Math.max(a.opened, c.opened), spawns: Math.max(a.spawns, c.spawns), qemu: Math.max(a.qemu, c.qemu) }), { opened: 0, spawns: 0, qemu: 0 });
    rows.push({
      case: `Warm probe (cache hit; new connection) — per probe at most: ${worst.opened} SSH connection, ${worst.spawns} exec, ${worst.qemu} QEMU`,
      median: ms(m.warm),
      reference: `cold probe ${ms(m.cold)}; handshake ${ms(m.handshake)}`,
      ratio: ratio(m.warm, m.cold),
      target: '≤ 1 connection, ≤ 1 exec, 0 QEMU',
      met: yes(warmOk),
    });
    log(`whole processes: ${SAMPLES} samples of each, interleaved`);
    rows.push(...(await wholeProcessRows({ sshd, accelerator: ACCEL, samples: SAMPLES, openssh })));

    // ---------------------------------------------------------- CPU per probe
    log(`CPU per probe: ${CPU_SAMPLES} sequential probes of each kind`);
    const cpuPerProbe = {
      cold: await cpuPer(sshd, CPU_SAMPLES, () => withPool((pool) => probeHost(request('bench'), { pool, cacheDir: freshCacheDir() }))),
      warm: await cpuPer(sshd, CPU_SAMPLES, () => withPool((pool) => probeHost(request('bench'), { pool, cacheDir: warmDir }))),
    };

    // ---------------------------------------------------------- verification
    const teardowns: number[] = [];
    for (let i = 0; i < SAMPLES; i++) teardowns.push(await qemuExitTeardown(VERIFY_MODEL));
    const teardown = median(teardowns);
    for (const { model, counts } of VERIFY_CASES) {
      rows.push(...(await verificationRows(sshd, model, counts, m.handshake, teardown)));
    }

    // ----------------------------------------------------------------- fleets
    const warmFleetDir = freshCacheDir();
    const fleetHosts = (n: number) => Array.from({ length: n }, (_, i) => request(`fleet-${String(i).padStart(2, '0')}`));
    await withPool((pool) => probeHosts(fleetHosts(Math.max(...FLEETS)), { pool, cacheDir: warmFleetDir, concurrency: CONCURRENCY }).then(allFulfilled));
    for (const kind of ['cold', 'warm'] as const) {
      for (const n of FLEETS) {
        const runs = n >= 64 ? 3 : 5;
        log(`fleet of ${n}, ${kind}: ${runs} runs at concurrency ${CONCURRENCY}`);
        const walls: number[] = [];
        const others: number[] = [];
        for (let r = 0; r < runs; r++) {
          await settle(sshd.pid);
          const cacheDir = kind === 'cold' ? freshCacheDir() : warmFleetDir;
          const pool = new TransportPool();
          const [busy0, ours0, t0] = [machineBusyMs(), cpuMs(sshd.pid), performance.now()];
          walls.push((await timed(() => probeHosts(fleetHosts(n), { pool, cacheDir, concurrency: CONCURRENCY }).then(allFulfilled))).ms);
          await pool.closeAll();
          await settle(sshd.pid);
          // Cores' worth of CPU that other work on the machine took meanwhile.
          others.push(Math.max(0, machineBusyMs() - busy0 - (cpuMs(sshd.pid) - ours0)) / (performance.now() - t0));
        }
        const wall = median(walls);
        const limit = (cpuPerProbe[kind] * n) / CORES;
        const otherCores = median(others);
        rows.push({
          case: `Fleet of ${n} host${n > 1 ? 's' : ''}, ${kind} probes (concurrency ${CONCURRENCY})`,
          median: ms(wall),
          reference: `CPU-bound limit ${ms(limit)} (${ms(cpuPerProbe[kind])} CPU/probe × ${n} ÷ ${CORES} cores)${otherCores >= 0.1 ? `; other work took ${otherCores.toFixed(1)} cores meanwhile` : ''}`,
          ratio: ratio(wall, limit),
          target: n === 64 ? '≤ 1.5×' : '—',
          met: n === 64 ? yes(wall <= 1.5 * limit) : '',
        });
      }
    }

    // ----------------------------------------------------------------- memory
    for (const kind of ['check', 'probe'] as const) {
      log(`memory: a ${MEMORY_HOSTS}-host ${kind} in a process of its own`);
      await settle(sshd.pid);
      const result = await memoryJob({ kind, connection: connection('mem'), accelerator: ACCEL, hosts: MEMORY_HOSTS, concurrency: CONCURRENCY, cacheDir: freshCacheDir() });
      rows.push({
        case: `Memory: ${MEMORY_HOSTS}-host ${kind === 'check' ? 'check (verifySelection, paused q35 VM per host)' : 'cold probe fleet (probeHosts)'}; ${result.answered}/${MEMORY_HOSTS} answered, ${result.connections} connections, wall ${ms(result.wallMs)}`,
        median: `${Math.round(result.maxRssMb)} MB peak RSS`,
        reference: '—',
        ratio: '—',
        target: '≤ 200 MB',
        met: yes(result.maxRssMb <= 200 && result.answered === MEMORY_HOSTS),
      });
    }

    // ------------------------------------------------------ connection sharing
    const shared = await withPool(async (pool) => {
      const c = connection('shared');
      const cacheDir = freshCacheDir();
      await probeHost({ connection: c, accelerator: ACCEL }, { pool, cacheDir });
      await verifySelection(SelectionInputsSchema.parse({ model: VERIFY_MODEL, hosts: [c], accelerator: ACCEL }) as SelectionInputs & { model: string }, { pool, cacheDir });
      await probeHost({ connection: c, accelerator: ACCEL }, { pool, cacheDir });
      return pool.opened;
    });
    rows.push({
      case: 'One process run: probe (data source), verify (resource), probe again (CLI) on one host',
      median: `${shared} SSH connection`,
      reference: '—',
      ratio: '—',
      target: '1 connection per host',
      met: yes(shared === 1),
    });

    rows.push(...(await rowGroupRows(ROW_GROUPS, { sshd, accel: ACCEL, samples: SAMPLES, scratch: scratchIn(tmp), log })));

    const header = environment(started, startLoad);
    const table = renderTable(rows);
    process.stdout.write(`\n${header}\n\n${table}\n`);
    fs.writeFileSync(path.join(repoRoot, 'bench', 'RESULTS.md'), `# Benchmark results\n\nWritten by \`npm run bench\` (bench/run.ts).\n\n${header}\n\n${table}\n\n${NOTES}\n`);
    log(`done in ${ms(Date.now() - started)}; wrote bench/RESULTS.md`);
  } finally {
    await sshd.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const NOTES = `How to read it:
- Medians of whole operations timed inside one Node process (the OpenSSH and virsh rows time whole processes). Every "new connection" row includes the SSH handshake and excludes closing it.
- Cold: QEMU answers (the cache is empty). Warm: the fingerprint cache answers after one facts exec; no QEMU starts.
- CPU per probe is measured on sequential probes: this process's CPU plus the loopback sshd's and everything it ran (sessions, shells, QEMU), so other work on the machine does not count. The CPU-bound limit is that × hosts ÷ cores.
- Fleets name each host differently on one loopback sshd: one SSH connection per host name, as on a real fleet.`;

/**
 * Rows for one CPU verified under 1 and then M machine types: the slowest
 * single check over an open connection, then M checks in parallel over
 * one new connection, against the target 1.5 × slowest + handshake.
 */
async function verificationRows(sshd: Sshd, model: string, counts: readonly number[], handshakeMs: number, teardownMs: number): Promise<Row[]> {
  log(`verification: ${model} under ${MACHINE_TYPES.join(', ')}`);
  const rows: Row[] = [];
  const vSamples = Math.max(5, Math.ceil(SAMPLES / 2));
  const connection = sshd.connection({ name: 'bench' });
  const singles = await withTransport(connection, async (t) => {
    const out: Record<string, number> = {};
    for (const machineType of MACHINE_TYPES) {
      const selection: NormalizedSelection = { model, requiredFeatures: [], disabledFeatures: [], machineType, accelerator: ACCEL };
      out[machineType] = median(await samples(vSamples, async () => assertDecided(await verifyOver(t, 'bench', undefined, selection, { cache: 'off' }))));
    }
    return out;
  });
  const slowest = Math.max(...Object.values(singles));
  rows.push({
    case: `Verify \`${model}\`, one machine type, over an open connection (slowest of ${MACHINE_TYPES.length}: ${Object.entries(singles).map(([k, v]) => `${k} ${ms(v)}`).join(', ')})`,
    median: ms(slowest),
    reference: '—',
    ratio: '—',
    target: '—',
    met: '',
  });
  const inputs = SelectionInputsSchema.parse({ model, hosts: [connection], accelerator: ACCEL }) as SelectionInputs & { model: string };
  // CPU of one check alone: a connection with one check, less a connection with none.
  const cpuPerCheck =
    (await cpuPer(sshd, CPU_SAMPLES, () => withPool((pool) => verifySelection({ ...inputs, machineType: MACHINE_TYPES[0] }, { pool, cache: 'off' })))) -
    (await cpuPer(sshd, CPU_SAMPLES, () => withTransport(connection, async () => undefined)));
  for (const count of counts) {
    const types = MACHINE_TYPES.slice(0, count);
    const opened: number[] = [];
    const wall = median(
      await samples(vSamples, async () => {
        const pool = new TransportPool();
        try {
          // Cold: every VM starts (a warm check is its own row).
          const reports = await verifyMachineTypes(inputs, types, { pool, cache: 'off' });
          if (!reports.every((r) => r.decided)) throw new Error(`verification undecided: ${reports.map((r) => r.hosts[0].error).join('; ')}`);
          opened.push(pool.opened);
        } finally {
          await pool.closeAll();
        }
      }),
    );
    const limit = 1.5 * slowest + handshakeMs;
    const floor = (count * cpuPerCheck) / CORES + handshakeMs;
    rows.push({
      case: `Verify \`${model}\` × ${count} machine types in parallel (new connection; ${Math.max(...opened)} SSH connection)`,
      median: ms(wall),
      reference: `slowest single + handshake ${ms(slowest + handshakeMs)}; CPU-bound floor ${ms(floor)} (${count} × ${ms(cpuPerCheck)} CPU/check ÷ ${CORES} cores + handshake); a q35 VM's exit after quit takes ${ms(teardownMs)}, waited for`,
      ratio: ratio(wall, slowest + handshakeMs),
      target: `≤ 1.5 × slowest + handshake = ${ms(limit)}${count > CORES ? ` (${count} VMs on ${CORES} cores)` : ''}`,
      met: yes(wall <= limit && Math.max(...opened) === 1),
    });
  }
  rows.push(await warmVerificationRow(inputs, MACHINE_TYPES.slice(0, Math.max(...counts)), handshakeMs, vSamples));
  return rows;
}

/**
 * A repeated preview: the same CPU under M machine types, asked again of an
 * unchanged host over a new connection. Every verdict comes from the
 * fingerprint cache after one facts exec; no VM starts.
 */
async function warmVerificationRow(inputs: SelectionInputs & { model: string }, types: string[], handshakeMs: number, n: number): Promise<Row> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-bench-verify-'));
  try {
    await withPool((pool) => verifyMachineTypes(inputs, types, { pool, cacheDir }));
    const worst = { opened: 0, spawns: 0, qemu: 0, cached: true };
    const wall = median(
      await samples(n, async () => {
        const { pool, counter } = countingPool();
        try {
          const reports = await verifyMachineTypes(inputs, types, { pool, cacheDir });
          worst.cached &&= reports.every((r) => r.hosts[0].fromCache === true);
          worst.opened = Math.max(worst.opened, pool.opened);
        } finally {
          await pool.closeAll();
        }
        worst.spawns = Math.max(worst.spawns, counter.spawns);
        worst.qemu = Math.max(worst.qemu, counter.qemuStarts);
      }),
    );
    return {
      case: `Verify \`${inputs.model}\` × ${types.length} machine types again, host unchanged (cache hit; new connection) — at most ${worst.opened} SSH connection, ${worst.spawns} exec, ${worst.qemu} QEMU`,
      median: ms(wall),
      reference: `handshake ${ms(handshakeMs)}`,
      ratio: ratio(wall, handshakeMs),
      target: '≤ 1 connection, ≤ 1 exec, 0 QEMU',
      met: yes(worst.cached && worst.opened === 1 && worst.spawns === 1 && worst.qemu === 0),
    };
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * How long a paused q35 KVM VM takes to exit after QEMU has answered quit
 * and closed its QMP stream: the kernel tears the VM down meanwhile, mostly
 * waiting rather than computing. Every check waits for it (no QEMU may
 * outlive a check), and the last of M parallel checks cannot overlap it
 * with anything.
 */
async function qemuExitTeardown(model: string): Promise<number> {
  const child = spawn('qemu-system-x86_64', ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', MACHINE_TYPES[0], '-accel', ACCEL, '-cpu', model, '-smp', '1', '-m', '64', '-qmp', 'stdio'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
  child.stdin.end('{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n');
  child.stdout.resume();
  const eof = await new Promise<number>((resolve) => child.stdout.once('end', () => resolve(performance.now())));
  return Math.max(0, (await exited) - eof);
}

/**
 * libvirt's answer to the same question, when virsh is installed: its
 * domain capabilities for this accelerator (libvirt calls TCG "qemu").
 * The first call may fill libvirt's capabilities cache; the row is "warm".
 */
function virshReference(): string[] | undefined {
  const virsh = which('virsh');
  return virsh ? [virsh, 'domcapabilities', '--virttype', ACCEL === 'kvm' ? 'kvm' : 'qemu'] : undefined;
}

async function withTransport<T>(c: ConnectionInput, work: (t: SshTransport) => Promise<T>): Promise<T> {
  const t = await SshTransport.connect(c);
  try {
    return await work(t);
  } finally {
    await t.close();
  }
}

/**
 * The physical reference: a bare ssh2 client's TCP connect, handshake (host key checked against
 * the sshd's) and public-key auth, up to 'ready'. The close is not timed. With `noDelay`, Nagle is
 * off from the first byte, as qemu-cpu dials (provider/transport/ssh/dial.ts).
 */
async function handshake(sshd: Sshd, noDelay = false): Promise<number> {
  const hostKey = Buffer.from(sshd.hostKeyLine.split(' ')[1], 'base64');
  const client = new Client();
  const { ms: wall } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', reject);
        client.connect({
          host: sshd.host,
          port: sshd.port,
          username: sshd.user,
          privateKey: sshd.privateKey,
          hostVerifier: (key: Buffer) => key.equals(hostKey),
        });
        if (noDelay) client.setNoDelay(true);
      }),
  );
  await new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
  return wall;
}

/** The OpenSSH client piping the same QMP commands into QEMU on the loopback host. */
function opensshPipeline(sshd: Sshd): { argv: string[]; stdin: string } {
  const ssh = opensshArgv(sshd, 'qemu-system-x86_64', ...QEMU_ARGS);
  const commands = [{ execute: 'qmp_capabilities' }, ...PROBE_QUERIES, { execute: 'quit' }].map((c) => JSON.stringify(c));
  // A shell pipeline, as one would write it by hand: printf ... | ssh host qemu ... -qmp stdio
  return { argv: ['sh', '-c', `printf '%s\\n' "$@" | ${shellJoin(ssh)}`, 'sh', ...commands], stdin: '' };
}

function allFulfilled<T>(results: Array<PromiseSettledResult<T>>): void {
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${results.length} probes failed; first: ${String(failed[0].reason)}`);
}

function assertDecided<T extends { enforceable: boolean | null; error?: string }>(verdict: T): T {
  if (verdict.enforceable === null) throw new Error(`verification undecided: ${verdict.error}`);
  return verdict;
}

function memoryJob(job: MemoryJob): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'memoryChild.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: MemoryResult | undefined;
    child.once('message', (m) => (result = m as MemoryResult));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`memory job exited ${code} without a result`))));
    child.send(job);
  });
}

function environment(started: number, startLoad: number[]): string {
  const qemu = (() => {
    try {
      return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    } catch {
      return 'QEMU version unknown';
    }
  })();
  const sshVersion = (() => {
    try {
      return spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
    } catch {
      return 'OpenSSH unknown';
    }
  })();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = startLoad[0];
  const busy = load > CORES ? ` **The machine was busy (load ${load.toFixed(1)} on ${CORES} cores): other work competed for the CPU, so latency ratios read high.**` : '';
  const accel =
    ACCEL === 'kvm'
      ? 'Accelerator: KVM.'
      : `**Accelerator: TCG**${kvmUsable ? ' (BENCH_ACCEL=tcg)' : ': this machine has no usable /dev/kvm, so every QEMU here emulates; the targets were set for KVM hosts, and a TCG VM costs more CPU to start'}.`;
  return [
    `Run ${new Date(started).toISOString()} on ${CORES} cores (${cpu}), load average at start ${startLoad.map((l) => l.toFixed(2)).join(' ')}; Node ${process.version}; ${qemu}; ${sshVersion}. ${accel}`,
    `${SAMPLES} samples per latency row; fleets at concurrency ${CONCURRENCY}.${busy}`,
  ].join(' ');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
