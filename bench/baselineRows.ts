/**
 * Rows for `qemu-cpu baseline`, model 'auto' and a 64-host `check` (issue
 * 13): whole `qemu-cpu` processes, each beside its reference from the same
 * run. The resource's model 'auto' is timed in-process through its Check
 * (what `pulumi preview` calls; a whole Pulumi run is too heavy to sample
 * here), against in-process references. What a row's process started (paused
 * VMs, connections, execs) is counted by a twin run of the same code path in
 * this process over a counting pool, on the same cache state.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countingPool, type SpawnCounter } from '../harness/countingTransport';
import { repoRoot } from '../harness/paths';
import { SelectionInputsSchema, type SelectionInputs } from '../provider/inventory';
import { findBaseline, probeHost, verifySelection, type TransportPool } from '../provider/probe';
import { checkSelection } from '../provider/surfaces/resource';
import { cpuMs, cpuPer, machineBusyMs, median, ms, ratio, reapedChildrenCpuMs, runProcess, samples, settle, timed, withPool } from './measure';
import { yes, type Row, type RowGroupContext } from './rowGroups';

const BIN = path.join(repoRoot, 'bin', 'qemu-cpu.js');
/** The bench's verification model: a versioned name, so a check skips query-cpu-definitions. */
const CHECK_MODEL = 'qemu64-v1';
/** Samples of the rows that start many VMs per sample. */
const HEAVY_SAMPLES = 3;

/** The bench's loopback fleet names: one SSH connection per name, as on a real fleet. */
const fleetNames = (n: number) => Array.from({ length: n }, (_, i) => `fleet-${String(i).padStart(2, '0')}`);

/**
 * Wall times of `n` runs of a whole process, and the cores' worth of CPU
 * other work on the machine took meanwhile (all cores busy, less this
 * process, its reaped children and the loopback sshd's tree): a
 * CPU-bound limit assumes every core is the bench's.
 */
async function wholeRuns(sshd: RowGroupContext['sshd'], n: number, run: () => Promise<number>): Promise<{ wall: number; otherCores: number }> {
  const walls: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < n; i++) {
    await settle(sshd.pid);
    const [busy0, ours0, t0] = [machineBusyMs(), oursMs(sshd.pid), performance.now()];
    walls.push(await run());
    await settle(sshd.pid);
    others.push(Math.max(0, machineBusyMs() - busy0 - (oursMs(sshd.pid) - ours0)) / (performance.now() - t0));
  }
  return { wall: median(walls), otherCores: median(others) };
}

/** CPU of this process, its reaped children (the qemu-cpu processes timed) and the sshd's tree, in milliseconds. */
function oursMs(sshdPid: number): number {
  return cpuMs(sshdPid) + reapedChildrenCpuMs();
}

/** Other work's share, and the limit on the cores it left (a shared machine's honest reference; the target is judged on the plain limit). */
function otherText(otherCores: number, limit: number, wall: number): string {
  if (otherCores < 0.1) return '';
  const cores = os.availableParallelism();
  const left = Math.max(0.1, cores - otherCores);
  const onLeft = (limit * cores) / left;
  return `; other work took ${otherCores.toFixed(1)} cores meanwhile: on the ${left.toFixed(1)} left, the limit is ${ms(onLeft)} (${ratio(wall, onLeft)})`;
}

/** What one twin run in this process started. */
interface Started {
  connections: number;
  execs: number;
  vms: number;
}

export async function baselineRows(ctx: RowGroupContext): Promise<Row[]> {
  const { sshd, accel } = ctx;
  const cores = os.availableParallelism();
  const n = Math.min(ctx.samples, 5);
  // A 64-bit baseline needs SSE3 (pni), which nested KVM may not give a guest: then the rows disable it, and say so.
  const caps = await withPool((pool) => probeHost({ connection: sshd.connection({ name: 'bl-caps' }), accelerator: accel }, { pool, cache: 'off' }));
  const disabledFeatures = caps.hostModel.features.includes('pni') ? [] : ['pni'];
  const cpu = { accelerator: accel, disabledFeatures };
  const note = disabledFeatures.length ? ' (pni disabled: this host model lacks it)' : '';
  const files = ctx.scratch('files');
  const file = (name: string, body: Record<string, unknown>) => {
    const f = path.join(files, `${name}.yaml`);
    fs.writeFileSync(f, JSON.stringify(body)); // JSON is YAML
    return f;
  };
  const fileHosts = (names: string[]) => names.map((name) => sshd.fileHost(name));
  const inputs = (names: string[], extra: Record<string, unknown> = {}): SelectionInputs => SelectionInputsSchema.parse({ model: 'auto', ...cpu, ...extra, hosts: names.map((name) => sshd.connection({ name })) });
  const cli = (args: string[], cacheHome: string) => runProcess([BIN, ...args], '', { XDG_CACHE_HOME: cacheHome });
  const cacheOf = (home: string) => path.join(home, 'qemu-cpu');
  const oneFile = file('baseline-1', { ...cpu, hosts: fileHosts(['bl-one']) });
  const baseline1 = (home: string) => cli(['baseline', '-c', oneFile, '-f', 'json'], home);
  const probeArgs = ['probe', `${sshd.user}@${sshd.host}:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', accel, '--json'];

  // ------------------------------------------------------------- 1 host
  ctx.log(`baseline, 1 host: ${ctx.samples} samples of the probes and the warm baseline, ${n} of the cold baseline and model 'auto'`);
  const warmProbeHome = ctx.scratch('probe-warm');
  await cli(probeArgs, warmProbeHome);
  const warmHome = ctx.scratch('baseline-warm');
  await baseline1(warmHome);
  const winner = await withPool((pool) => findBaseline(inputs(['bl-one']), { pool, probe: { cacheDir: cacheOf(warmHome) } }));
  if (!winner.selection) throw new Error(`no baseline on this host: ${winner.reason}`);
  const s = { probeCold: [] as number[], probeWarm: [] as number[], inProbeCold: [] as number[], inProbeWarm: [] as number[], warm: [] as number[] };
  for (let i = 0; i < ctx.samples; i++) {
    s.probeCold.push(await cli(probeArgs, ctx.scratch('probe-cold')));
    s.probeWarm.push(await cli(probeArgs, warmProbeHome));
    s.warm.push(await baseline1(warmHome));
    s.inProbeCold.push((await timed(() => withPool((pool) => probeHost({ connection: sshd.connection({ name: 'bl-probe' }), accelerator: accel }, { pool, cacheDir: ctx.scratch('in-probe-cold') })))).ms);
    s.inProbeWarm.push((await timed(() => withPool((pool) => probeHost({ connection: sshd.connection({ name: 'bl-one' }), machineType: 'q35', accelerator: accel }, { pool, cacheDir: cacheOf(warmHome) })))).ms);
  }
  const cold = await samples(n, () => baseline1(ctx.scratch('baseline-cold')));
  // One exact check of the winner over an open connection: the VM a baseline must start beside its probe.
  const check = await samples(n, () =>
    withPool(async (pool) => {
      await probeHost({ connection: sshd.connection({ name: 'bl-one' }), machineType: 'q35', accelerator: accel }, { pool, cacheDir: cacheOf(warmHome) });
      return verifySelection({ ...inputs(['bl-one']), ...winner.selection! }, { pool, cache: 'off' });
    }),
  ).then(median);
  const auto = await autoSamples(ctx, n, { model: 'auto', ...cpu, hosts: [sshd.connection({ name: 'bl-auto' })] });
  const m = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)])) as Record<keyof typeof s, number>;
  const coldStarted = await twin((pool) => findBaseline(inputs(['bl-one']), { pool, probe: { cacheDir: ctx.scratch('twin') } }));
  const warmStarted = await twin((pool) => findBaseline(inputs(['bl-one']), { pool, probe: { cacheDir: cacheOf(warmHome) } }));
  const coldRef = m.probeCold + check;
  const inColdRef = m.inProbeCold + check;
  const rows: Row[] = [
    { case: 'Reference: cold `qemu-cpu probe HOST --json`, a whole process', median: ms(m.probeCold), reference: '—', ratio: '—', target: '—', met: '' },
    { case: `Reference: one exact check of the baseline CPU \`${winner.qemuCpuArg}\` over an open connection`, median: ms(check), reference: '—', ratio: '—', target: '—', met: '' },
    { case: 'Reference: warm `qemu-cpu probe HOST --json`, a whole process', median: ms(m.probeWarm), reference: '—', ratio: '—', target: '—', met: '' },
    {
      case: `\`qemu-cpu baseline\`, 1 host, cold, a whole process${note} — ${startedText(coldStarted)}`,
      median: ms(median(cold)),
      reference: `cold probe + one exact check ${ms(coldRef)}`,
      ratio: ratio(median(cold), coldRef),
      target: '≤ 2×',
      met: yes(median(cold) <= 2 * coldRef),
    },
    {
      case: `\`qemu-cpu baseline\`, 1 host, warm (host unchanged), a whole process — ${startedText(warmStarted)}`,
      median: ms(m.warm),
      reference: `warm probe ${ms(m.probeWarm)}`,
      ratio: ratio(m.warm, m.probeWarm),
      target: '≤ 1.2×; 1 connection, 1 exec, 0 QEMU',
      met: yes(m.warm <= 1.2 * m.probeWarm && warmStarted.connections === 1 && warmStarted.execs === 1 && warmStarted.vms === 0),
    },
    {
      case: `model 'auto', 1 host, first preview (the resource's Check in-process: a whole Pulumi run is too heavy to sample) — ${startedText(auto.coldStarted)}`,
      median: ms(auto.cold),
      reference: `in-process cold probe ${ms(m.inProbeCold)} + one exact check = ${ms(inColdRef)}`,
      ratio: ratio(auto.cold, inColdRef),
      target: '≤ 2×',
      met: yes(auto.cold <= 2 * inColdRef),
    },
    {
      case: `model 'auto', 1 host, preview again (pinned; host unchanged; the resource's Check in-process) — ${startedText(auto.warmStarted)}`,
      median: ms(auto.warm),
      reference: `in-process warm probe ${ms(m.inProbeWarm)}`,
      ratio: ratio(auto.warm, m.inProbeWarm),
      target: '≤ 1.2×; 1 connection, 1 exec, 0 QEMU',
      met: yes(auto.warm <= 1.2 * m.inProbeWarm && auto.warmStarted.connections === 1 && auto.warmStarted.execs === 1 && auto.warmStarted.vms === 0),
    },
  ];

  // ------------------------------------------------------------ 8 hosts
  ctx.log(`baseline, 8 hosts, cold: ${HEAVY_SAMPLES} runs`);
  const eight = fleetNames(8);
  const eightFile = file('baseline-8', { ...cpu, hosts: fileHosts(eight) });
  // CPU of everything a cold baseline of one host runs (its probe, its VMs, its facts), sequentially: per host, the limit's share.
  const cpuPerHost = await cpuPer(sshd, HEAVY_SAMPLES, () => withPool((pool) => findBaseline(inputs(['bl-cpu']), { pool, probe: { cacheDir: ctx.scratch('cpu') } })));
  const { wall: eightWall, otherCores } = await wholeRuns(sshd, HEAVY_SAMPLES, () => cli(['baseline', '-c', eightFile, '-f', 'json'], ctx.scratch('baseline-8')));
  const eightStarted = await twin((pool) => findBaseline(inputs(eight), { pool, probe: { cacheDir: ctx.scratch('twin') } }));
  const eightLimit = (8 * cpuPerHost) / cores;
  rows.push({
    case: `\`qemu-cpu baseline\`, 8 hosts (the bench's loopback names), cold, a whole process — ${startedText(eightStarted)}`,
    median: ms(eightWall),
    reference: `CPU-bound limit of the VMs it starts ${ms(eightLimit)} (${ms(cpuPerHost)} CPU per host's cold baseline, its probe, VMs and facts included, × 8 ÷ ${cores} cores)${otherText(otherCores, eightLimit, eightWall)}`,
    ratio: ratio(eightWall, eightLimit),
    target: '≤ 1.5×',
    met: yes(eightWall <= 1.5 * eightLimit),
  });

  // ----------------------------------------------------------- 64 hosts
  rows.push(...(await checkRows(ctx, cpu, file, fileHosts, inputs, cli, cacheOf)));
  return rows;
}

/** `qemu-cpu check` of 64 hosts, cold and warm, against the CPU-bound limit of its checks; connections counted by a twin. */
async function checkRows(
  ctx: RowGroupContext,
  cpu: Record<string, unknown>,
  file: (name: string, body: Record<string, unknown>) => string,
  fileHosts: (names: string[]) => Array<Record<string, unknown>>,
  inputs: (names: string[], extra?: Record<string, unknown>) => SelectionInputs,
  cli: (args: string[], cacheHome: string) => Promise<number>,
  cacheOf: (home: string) => string,
): Promise<Row[]> {
  const cores = os.availableParallelism();
  const names = fleetNames(64);
  const checkFile = file('check-64', { ...cpu, model: CHECK_MODEL, hosts: fileHosts(names) });
  const one = { ...inputs(['bl-check']), model: CHECK_MODEL };
  const warmOne = ctx.scratch('check-cpu-warm');
  await withPool((pool) => verifySelection(one, { pool, cacheDir: warmOne }));
  const cpuPerCheck = {
    cold: await cpuPer(ctx.sshd, 8, () => withPool((pool) => verifySelection(one, { pool, cacheDir: ctx.scratch('check-cpu') }))),
    warm: await cpuPer(ctx.sshd, 8, () => withPool((pool) => verifySelection(one, { pool, cacheDir: warmOne }))),
  };
  const warmHome = ctx.scratch('check-warm');
  await cli(['check', '-c', checkFile], warmHome);
  const rows: Row[] = [];
  for (const kind of ['cold', 'warm'] as const) {
    ctx.log(`check, 64 hosts, ${kind}: ${HEAVY_SAMPLES} runs`);
    const { wall, otherCores } = await wholeRuns(ctx.sshd, HEAVY_SAMPLES, () => cli(['check', '-c', checkFile], kind === 'cold' ? ctx.scratch('check-cold') : warmHome));
    const fleet = { ...inputs(names), model: CHECK_MODEL };
    const started = await twin((pool) => verifySelection(fleet, { pool, cacheDir: kind === 'cold' ? ctx.scratch('twin') : cacheOf(warmHome) }));
    const limit = (64 * cpuPerCheck[kind]) / cores;
    rows.push({
      case: `\`qemu-cpu check\` of 64 hosts (\`${CHECK_MODEL}\`), ${kind}, a whole process — ${startedText(started)}`,
      median: ms(wall),
      reference: `CPU-bound limit ${ms(limit)} (${ms(cpuPerCheck[kind])} CPU per ${kind} check of one host, connection included, × 64 ÷ ${cores} cores)${otherText(otherCores, limit, wall)}`,
      ratio: ratio(wall, limit),
      target: '≤ 1.5×; ≤ 1 connection per host',
      met: yes(wall <= 1.5 * limit && started.connections <= 64),
    });
  }
  return rows;
}

/**
 * The resource's Check of model 'auto', in this process, under its default
 * cache directory (XDG_CACHE_HOME): the first preview (no pin; fresh
 * cache), and a preview again with the pin Check returned (the pin's check
 * and the search for the fleet's best, both warm).
 */
async function autoSamples(ctx: RowGroupContext, n: number, news: Record<string, unknown>): Promise<{ cold: number; warm: number; coldStarted: Started; warmStarted: Started }> {
  const saved = process.env.XDG_CACHE_HOME;
  const under = async <T>(home: string, work: () => Promise<T>): Promise<T> => {
    process.env.XDG_CACHE_HOME = home;
    try {
      return await work();
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  };
  const preview = (pool: TransportPool, olds?: Record<string, unknown>) =>
    checkSelection(news, { pool }, olds).then((r) => {
      if (r.failures.length > 0) throw new Error(`model 'auto' failed: ${r.failures.map((f) => f.reason).join('; ')}`);
      return r;
    });
  const warmHome = ctx.scratch('auto-warm');
  const pinned = await under(warmHome, () => withPool((pool) => preview(pool)));
  const cold = median(await samples(n, () => under(ctx.scratch('auto-cold'), () => withPool((pool) => preview(pool)))));
  const warm = median(await samples(n, () => under(warmHome, () => withPool((pool) => preview(pool, pinned.inputs)))));
  const coldStarted = await under(ctx.scratch('auto-twin'), () => twin((pool) => preview(pool)));
  const warmStarted = await under(warmHome, () => twin((pool) => preview(pool, pinned.inputs)));
  return { cold, warm, coldStarted, warmStarted };
}

/** Run `work` once over a fresh counting pool: what it started. */
async function twin(work: (pool: TransportPool) => Promise<unknown>): Promise<Started> {
  const { pool, counter } = countingPool();
  try {
    await work(pool);
    return started(pool, counter);
  } finally {
    await pool.closeAll();
  }
}

function started(pool: TransportPool, counter: SpawnCounter): Started {
  return { connections: pool.opened, execs: counter.spawns - counter.qemuStarts, vms: counter.qemuStarts };
}

function startedText(s: Started): string {
  return `${s.vms} QEMU${s.vms === 1 ? '' : 's'} (probes included), ${s.connections} SSH connection${s.connections === 1 ? '' : 's'}, ${s.execs} other exec${s.execs === 1 ? '' : 's'}`;
}
