import { z } from 'zod';
import { ConfigError, CpuRefusedError, problemOf } from '../errors';
import { connectionLabel, type Connection, type Transport } from '../transport';
import { ArchitectureMismatch, checkCpu, DEFAULT_TIMEOUTS, readHostFacts, type HostFacts } from '../launcher';
import {
  attributeAcrossQemus,
  evaluateCpuCheck,
  HostVerdictSchema,
  MigrationVerdictSchema,
  migrationVerdict,
  SelectionLevelSchema,
  selectionLevel,
  levelLabel,
  type X86Level,
  requireValidSelection,
  RENDERING_SHAPE,
  renderCpu,
  undecidedVerdict,
  refusedVerdict,
  withAnswerOutcome,
  type HostVerdict,
  type LayerEvidence,
  type NormalizedSelection,
  MachineTypeSchema,
  architectureOf,
  archProfile,
  mixedArchitectures,
  architectureNamedBy,
  guessArchitecture,
  type Architecture,
} from '../model';
import { answerFingerprinted, type FingerprintedOptions } from './fingerprinted';
import { StoredVerdictSchema } from './storedVerdict';
import { parseInput } from './parseInput';
import { hostIdentity, probeOver } from './probeHost';
import { useHost, type HostBounds } from './hostWork';
import { runBounded } from './runBounded';
import { connectionOf, type FleetSelection, type HostEntry } from './selectionInputs';
import { sharedPool, type TransportPool } from './transportPool';

/** The answer for a whole selection: every host's verdict and how to write the CPU. */
export const SelectionReportSchema = z.object({
  ok: z.boolean().describe('Every host can enforce the CPU.'),
  decided: z.boolean().describe('Every host could be asked; false means some verdicts are unknown.'),
  model: z.string().describe('The model as asked for.'),
  resolvedModel: z.string().describe('The concrete model the hosts resolved it to (the one written into qemuCpuArg and the XML).'),
  requiredFeatures: z.array(z.string()).describe('Required features in QEMU spelling.'),
  disabledFeatures: z.array(z.string()).describe('Disabled features in QEMU spelling.'),
  // The CPU in every output format (provider/model/render): -cpu, libvirt XML and the others.
  ...RENDERING_SHAPE,
  effectiveFeatures: z.array(z.string()).describe('Features the guest gets on every enforceable host.'),
  hosts: z.array(HostVerdictSchema),
  x86Level: SelectionLevelSchema.nullable().describe("The x86-64 level of the CPU; null for a fleet of another architecture (aarch64), where the levels do not apply."),
  migration: MigrationVerdictSchema.describe('Whether a guest of this CPU could live-migrate between the hosts; warnings name the hosts and the reason.'),
  unmet: z
    .array(z.object({ kind: z.enum(['minimum-level', 'require-migratable', 'mixed-architecture']), reason: z.string() }))
    .describe('Demands of the whole fleet the CPU does not meet (minimumLevel, requireMigratable), or a fleet of more than one guest architecture (mixed-architecture: no one CPU runs on x86_64 and aarch64 hosts): each makes ok false, a definite "cannot" even where every host enforces the CPU.'),
});
export type SelectionReport = z.infer<typeof SelectionReportSchema>;

/** Where a host's facts come from: a caller asking one host several questions (the baseline) reads them once. */
export type HostFactsSource = (transport: Transport, qemuBinary: string | undefined) => Promise<HostFacts>;

/** Options that do not change the answer. */
export interface VerifyOptions extends FingerprintedOptions, HostBounds {
  pool?: TransportPool;
  /** The host's facts exec; default one per host per call. */
  factsOf?: HostFactsSource;
}

/**
 * Ask every host, in parallel up to the bound, whether it can enforce the
 * exact CPU: a paused VM with that machine type and -cpu on each host. One
 * bad host never hides the others; a host that cannot be asked is
 * undecided, not "not enforceable". Verdicts go through the fingerprint
 * cache as probes do (options.cache, default 'use'): a host whose facts
 * still match a stored verdict for the same CPU answers with one exec and
 * no VM.
 */
export async function verifySelection(inputs: FleetSelection & { model: string }, options: VerifyOptions = {}): Promise<SelectionReport> {
  const [report] = await verifyMachineTypes(inputs, [inputs.machineType], options);
  return report;
}

/**
 * The same CPU under several machine types (inputs.machineType is ignored):
 * one report per machine type, in the order given, each what
 * verifySelection would say for it. On each host the checks run in
 * parallel over the host's one SSH connection (at most the transport's
 * channel limit at once, 8 by default); hosts are asked up to
 * inputs.concurrency at a time, so up to concurrency × machine types
 * paused VMs run at once.
 *
 * @throws ConfigError for an invalid selection or machine type list, before any host is asked.
 */
export async function verifyMachineTypes(
  inputs: FleetSelection & { model: string },
  machineTypes: ReadonlyArray<string | undefined>,
  options: VerifyOptions = {},
): Promise<SelectionReport[]> {
  const types = parseInput(MachineTypesSchema, machineTypes, 'machine type list');
  // hosts may be empty in the inputs when an inventory is to supply them (provider/inventory resolves it first).
  if (inputs.hosts.length === 0) throw new ConfigError({ what: 'no hosts to ask', why: 'hosts: name at least one host, or an inventory that has some', hint: 'Resolve inventory references first (resolveSelectionInputs).', issues: ['hosts: name at least one host, or an inventory that has some'] });
  const selection = requireValidSelection(inputs);
  const selections = types.map((machineType) => ({ ...selection, machineType }));
  const pool = options.pool ?? sharedPool;
  const perHost = await runBounded(inputs.hosts, inputs.concurrency, (entry) => verifyHost(pool, entry, selections, options));
  // Hosts reached at the same SSH endpoint are one machine: its QEMUs (qemuBinary) are evidence about each other.
  const machines = inputs.hosts.map((h) => JSON.stringify([h.host, h.port, h.proxy?.host ?? null, h.proxy?.port ?? null]));
  const demands = { minimumLevel: inputs.minimumLevel, requireMigratable: inputs.requireMigratable };
  return selections.map((s, i) => summarize(s, attributeAcrossQemus(perHost.map((verdicts) => verdicts[i]), machines), demands));
}

/** At least one machine type, each valid, none repeated. */
const MachineTypesSchema = z
  // undefined: each host's architecture default (q35, virt).
  .array(MachineTypeSchema.optional())
  .min(1, 'name at least one machine type')
  .refine((types) => new Set(types).size === types.length, 'machine types must not repeat');

/**
 * One host's verdicts, one per selection, over its one pooled connection:
 * the checks run in parallel and share one facts exec. Errors become
 * undecided verdicts carrying the message.
 */
export async function verifyHost(
  pool: TransportPool,
  entry: HostEntry,
  selections: readonly NormalizedSelection[],
  options: FingerprintedOptions & HostBounds & Pick<VerifyOptions, 'factsOf'> = {},
): Promise<HostVerdict[]> {
  const name = connectionLabel(entry);
  const connection = connectionOf(entry);
  const { hostTimeoutMs, factsOf, ...fingerprinted } = options;
  try {
    return await useHost(
      pool,
      connection,
      (transport, explain) => {
        const facts = fingerprinted.cache === 'off' ? undefined : (factsOf ?? readFacts)(transport, entry.qemuBinary);
        facts?.catch(() => undefined);
        return Promise.all(
          selections.map((s) =>
            verifyOver(transport, name, entry.qemuBinary, s, { ...fingerprinted, facts, connection }).catch((err: unknown) => undecided(name, s, explain(err))),
          ),
        );
      },
      { hostTimeoutMs },
    );
  } catch (err) {
    return selections.map((s) => undecided(name, s, err));
  }
}

/** One facts exec. */
const readFacts: HostFactsSource = (transport, qemuBinary) => readHostFacts(transport, qemuBinary, DEFAULT_TIMEOUTS.exec);

/** A verdict for a host that could not be asked; even a bug must not hide the other hosts. */
function undecided(name: string, selection: NormalizedSelection, err: unknown): HostVerdict {
  if (err instanceof CpuRefusedError) return refusedVerdict(name, selection, err.refusal, problemOf(err, name).message, new Date().toISOString());
  return undecidedVerdict(name, selection, problemOf(err, name), new Date().toISOString());
}

/** What {@link verifyOver} needs besides the transport and the selection. */
export interface VerifyOverOptions extends FingerprintedOptions {
  /** The host's facts exec, when one is already under way for this transport (shared by several checks). */
  facts?: Promise<HostFacts>;
  /** The connection, for the cache's host identity; without it the transport's label stands for the host. */
  connection?: Connection;
}

/** The ground-truth check over an open transport, through the fingerprint cache unless options.cache is 'off'. */
export async function verifyOver(transport: Transport, name: string, qemuBinary: string | undefined, selection: NormalizedSelection, options: VerifyOverOptions = {}): Promise<HostVerdict> {
  const facts = options.cache === 'off' ? undefined : (options.facts ?? readHostFacts(transport, qemuBinary, DEFAULT_TIMEOUTS.exec));
  facts?.catch(() => undefined);
  // Without the fingerprint cache the facts are read only where the architecture needs them (below), and then once.
  let factsRead = facts;
  const ask = async () => {
    // The -cpu syntax and the way QEMU reports what is missing are the architecture's: named by the configured binary, else
    // guessed from the host's facts (the binary found, uname; the VM waits for them), and confirmed by query-target.
    const named = architectureNamedBy(qemuBinary);
    if (named === undefined) factsRead ??= readHostFacts(transport, qemuBinary, DEFAULT_TIMEOUTS.exec);
    const hostFacts = named === undefined ? await factsRead : undefined;
    const guessed = named ?? guessArchitecture(hostFacts?.binary, hostFacts?.arch);
    const check = (arch: Architecture) =>
      checkCpu(transport, {
        accelerator: selection.accelerator,
        machineType: selection.machineType,
        arch,
        model: selection.model,
        enable: selection.requiredFeatures,
        disable: selection.disabledFeatures,
        qemuBinary,
      });
    const record = await check(guessed).catch((err: unknown) => {
      const actual = err instanceof ArchitectureMismatch ? architectureOf(err.actual) : undefined;
      if (actual === undefined) throw err;
      return check(actual);
    });
    const probedAt = new Date().toISOString();
    const evidence = record.unavailable.length > 0 ? await layerEvidence(transport, qemuBinary, { ...selection, machineType: record.machineType }, { ...options, facts: factsRead }) : undefined;
    return evaluateCpuCheck(name, record, selection, probedAt, evidence);
  };
  if (facts === undefined) return ask();
  return answerFingerprinted<HostVerdict>(facts, verdictQuestion(transport, name, qemuBinary, selection, options.connection, ask), options);
}

/** The exact-CPU check as a question to the fingerprint cache. */
function verdictQuestion(transport: Transport, name: string, qemuBinary: string | undefined, selection: NormalizedSelection, connection: Connection | undefined, ask: () => Promise<HostVerdict>) {
  return {
    kind: KIND,
    identity: hostIdentity(transport, connection),
    // layers: answers stored before blockers carried layers are in other slots, so none is served without them.
    request: { ...selection, qemuBinary: qemuBinary ?? null, layers: true },
    schema: StoredVerdictSchema,
    qemuVersionOf: (verdict: HostVerdict) => verdict.qemuVersion,
    ask,
    fromCache: (verdict: HostVerdict) => ({ ...withAnswerOutcome({ ...verdict, name }), fromCache: true }),
  };
}

/**
 * Store a verdict QEMU gave for this exact CPU some other way (the
 * baseline reads several CPUs from one VM) where verifyOver would have
 * stored it, so a later check of the same CPU on the unchanged host is
 * answered from the cache. Stored only as verifyOver stores: answered
 * verdicts, never with the cache off.
 */
export async function rememberVerdict(
  transport: Transport,
  qemuBinary: string | undefined,
  selection: NormalizedSelection,
  verdict: HostVerdict,
  options: FingerprintedOptions & { facts: Promise<HostFacts>; connection?: Connection },
): Promise<void> {
  if (options.cache === 'off' || StoredVerdictSchema.safeParse(verdict).success === false) return;
  const question = verdictQuestion(transport, verdict.name, qemuBinary, selection, options.connection, async () => verdict);
  await answerFingerprinted<HostVerdict>(options.facts, question, { cacheDir: options.cacheDir, cache: 'refresh' });
}

/**
 * What attributes a check's missing features to layers: the host's
 * -machine none probe (its /proc/cpuinfo, its host model, and what the model
 * lacks there), through the probe cache, so it costs a QEMU only the first
 * time, and sharing the check's facts exec. Asked only when something is
 * missing; a failure leaves the layers undecided and never the verdict.
 */
async function layerEvidence(transport: Transport, qemuBinary: string | undefined, selection: NormalizedSelection & { machineType: string }, options: VerifyOverOptions): Promise<LayerEvidence | undefined> {
  try {
    const caps = await probeOver(
      transport,
      { connection: options.connection, machineType: 'none', accelerator: selection.accelerator, qemuBinary },
      { cache: options.cache, cacheDir: options.cacheDir, facts: options.facts },
    );
    const definition = caps.models.find((m) => m.name === selection.model);
    return {
      accelerator: selection.accelerator,
      cpuinfoFlags: caps.hostCpu?.flags,
      hostModelUnderNone: caps.hostModel.features,
      modelUnderNone: definition && selection.machineType !== 'none' ? { model: selection.model, machineType: selection.machineType, unavailable: definition.blockers } : undefined,
      requested: selection.requiredFeatures,
    };
  } catch {
    return undefined;
  }
}

/** The cache kind of exact-CPU verdicts. */
const KIND = 'verify';

/** What the whole fleet must meet besides every host enforcing the CPU (CpuModelSelection's minimumLevel and requireMigratable). */
export interface FleetDemands {
  minimumLevel?: X86Level;
  requireMigratable?: boolean;
}

/** Pure: fold host verdicts into the report, judge the fleet's demands, and render the CPU in every format. */
export function summarize(selection: NormalizedSelection, hosts: HostVerdict[], demands: FleetDemands = {}): SelectionReport {
  const decided = hosts.every((h) => h.outcome !== 'undecided');
  const resolvedModel = resolvedModelOf(selection, hosts);
  const enforceable = hosts.filter((h) => h.outcome === 'can');
  const effectiveFeatures = enforceable.length
    ? enforceable.map((h) => h.effectiveFeatures).reduce((acc, fs) => acc.filter((f) => fs.includes(f)))
    : [];
  const fleet = judgeFleet(hosts, selection.requiredFeatures, demands);
  const arches = fleetArchitectures(hosts);
  return {
    ok: hosts.every((h) => h.outcome === 'can') && fleet.unmet.length === 0,
    decided,
    model: selection.model,
    resolvedModel,
    requiredFeatures: selection.requiredFeatures,
    disabledFeatures: selection.disabledFeatures,
    ...renderCpu({ model: resolvedModel, requiredFeatures: selection.requiredFeatures, disabledFeatures: selection.disabledFeatures, arch: arches.length === 1 ? arches[0] : undefined }),
    effectiveFeatures,
    hosts,
    ...fleet,
  };
}

/** Pure: the fleet-wide part of a report: the CPU's x86-64 level, whether a guest could migrate, and the demands unmet. */
export function judgeFleet(hosts: readonly HostVerdict[], requiredFeatures: readonly string[], demands: FleetDemands): Pick<SelectionReport, 'x86Level' | 'migration' | 'unmet'> {
  // The levels are x86's: a fleet of another architecture has none (hosts not asked count as x86, as their QEMU did not say).
  const hasLevels = fleetArchitectures(hosts).every((a) => archProfile(a).hasLevels);
  const x86Level = hasLevels ? selectionLevel(hosts, demands.minimumLevel) : null;
  const migration = migrationVerdict(hosts, requiredFeatures);
  const mixed = mixedArchitecture(hosts);
  return { x86Level, migration, unmet: [...(mixed ? [mixed] : []), ...unmetDemands(x86Level, migration, demands)] };
}

/** The guest architectures of the hosts that answered, in first-seen order. */
export function fleetArchitectures(hosts: readonly HostVerdict[]): Architecture[] {
  return [...new Set(hosts.flatMap((h) => (h.arch ? [h.arch] : [])))];
}

/** A fleet of x86_64 and aarch64 hosts: no one guest CPU runs on both, whatever each host says of it. */
function mixedArchitecture(hosts: readonly HostVerdict[]): SelectionReport['unmet'][number] | undefined {
  const why = mixedArchitectures(hosts);
  return why === undefined ? undefined : { kind: 'mixed-architecture', reason: `${why}, so one check cannot pass; check (or baseline) each architecture's hosts separately` };
}

/** A report judged again under other demands (the baseline asks its hosts without them, then applies the file's). */
export function withDemands(report: SelectionReport, demands: FleetDemands): SelectionReport {
  const fleet = judgeFleet(report.hosts, report.requiredFeatures, demands);
  return { ...report, ...fleet, ok: report.hosts.every((h) => h.outcome === 'can') && fleet.unmet.length === 0 };
}

/** The fleet demands the answers already show to be unmet. */
function unmetDemands(level: SelectionReport['x86Level'], migration: SelectionReport['migration'], demands: FleetDemands): SelectionReport['unmet'] {
  const unmet: SelectionReport['unmet'] = [];
  if (demands.minimumLevel && level === null) {
    unmet.push({ kind: 'minimum-level', reason: `minimumLevel ${demands.minimumLevel} is an x86-64 level, and these hosts are not x86_64: drop minimumLevel for them` });
  } else if (demands.minimumLevel && level !== null && level.missingForMinimum.length > 0) {
    unmet.push({
      kind: 'minimum-level',
      reason: `the CPU reaches ${levelLabel(level.level)}, below the minimum ${demands.minimumLevel}: it lacks ${level.missingForMinimum.join(', ')}`,
    });
  }
  if (demands.requireMigratable && migration.migratable === false) {
    unmet.push({ kind: 'require-migratable', reason: `a guest could not live-migrate between the hosts: ${migration.warnings.map((w) => w.reason).join('; ')}` });
  }
  return unmet;
}

/** The one concrete model every host resolved the name to; hosts that disagree (QEMU versions, machine types) keep the name as asked, each resolves it itself. */
function resolvedModelOf(selection: NormalizedSelection, hosts: readonly HostVerdict[]): string {
  const resolved = [...new Set(hosts.map((h) => h.resolvedModel).filter((m): m is string => m !== null))];
  return resolved.length === 1 ? resolved[0] : selection.model;
}
