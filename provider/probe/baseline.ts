import { ConfigError, QemuCpuError } from '../errors';
import { connectionLabel } from '../launcher';
import {
  baselineCandidates,
  lackingRequiredFeatures,
  migrationBlockers,
  normalizeSelection,
  renderLibvirtCpu,
  renderQemuCpuArg,
  hostCpuName,
  hostCpuVendor,
  suggestMachineType,
  type BaselineCandidate,
  type HostCapabilities,
  type NormalizedSelection,
} from '../model';
import { confirmExtras, type Verifier } from './baselineExtras';
import type { BaselineHost, BaselineReport } from './baselineReport';
import { probeHost, type ProbeContext } from './probeHost';
import { runBounded } from './runBounded';
import { connectionOf, type HostEntry, type SelectionInputs } from './selectionInputs';
import { sharedPool, type TransportPool } from './transportPool';
import { verifySelection, type SelectionReport } from './verifySelection';

/** Options that do not change what "best" means. */
export interface BaselineOptions {
  pool?: TransportPool;
  /** How many candidate models the ground truth may reject before the search gives up. Default 4. */
  maxModelAttempts?: number;
  /** Look for features every host can add to the model. Default true. */
  extraFeatures?: boolean;
  /** How many times the extras may be narrowed after a host refuses some. Default 3. */
  maxExtraRounds?: number;
  /** Passed to each host's capability probe, and its cache settings to each exact-CPU check. */
  probe?: Omit<ProbeContext, 'transport' | 'pool'>;
}

type Probed = { entry: HostEntry; name: string; caps?: HostCapabilities; error?: string };
type TriedCandidate = BaselineReport['candidates'][number];

/**
 * The newest named QEMU model every host can enforce, plus the largest set
 * of extra features common to all hosts, both confirmed by the ground truth
 * (a paused VM with the exact CPU on every host). `inputs.model` is ignored.
 *
 * 1. probe every host with the machine type (in parallel, up to `concurrency`);
 * 2. candidates: models every host lists and can run, newest first (docs/baseline.md);
 * 3. verifySelection with each candidate until one is enforceable everywhere;
 * 4. add the features every host model has and the model does not give,
 *    verify again, drop what any host refuses (confirmExtras).
 *
 * Never throws for a host that cannot be asked: the report is undecided.
 *
 * @throws ConfigError for unknown feature names or no hosts.
 */
export async function findBaseline(inputs: SelectionInputs, options: BaselineOptions = {}): Promise<BaselineReport> {
  if (inputs.hosts.length === 0) throw new ConfigError({ what: 'no hosts to find a baseline for', hint: 'Name hosts, or an inventory that has some.' });
  const { selection: base, problems } = normalizeSelection({ ...inputs, model: 'base' });
  if (problems.length > 0) throw new ConfigError({ what: 'invalid CPU selection', why: problems.join('; '), hint: 'Use QEMU feature names (qemu-cpu probe lists them).', issues: problems });
  const pool = options.pool ?? sharedPool;
  const probed = await runBounded(inputs.hosts, inputs.concurrency, (entry) => probeEntry({ ...options.probe, pool }, entry, base));
  const report = emptyReport(probed, base);
  if (probed.some((p) => p.error !== undefined)) {
    return { ...report, decided: false, reason: `${count(probed.filter((p) => p.error !== undefined).length, 'host')} could not be asked` };
  }
  const caps = probed.map((p) => p.caps!);
  const candidates = baselineCandidates(caps, base.disabledFeatures);
  const verify: Verifier = (model, required, hosts = inputs.hosts) =>
    verifySelection({ ...inputs, hosts, model, requiredFeatures: required, disabledFeatures: base.disabledFeatures }, { pool, cache: options.probe?.cache, cacheDir: options.probe?.cacheDir, hostTimeoutMs: options.probe?.hostTimeoutMs });
  if (candidates.length === 0) return { ...report, reason: 'no named CPU model is usable on every host' };

  const lacking = lackingRequiredFeatures(caps, base.requiredFeatures);
  if (lacking.length > 0) {
    // No model can fix a missing required feature; the ground truth of the newest candidate names the hosts.
    const truth = await verify(candidates[0].model, base.requiredFeatures);
    const why = lacking.map((l) => `${l.host} lacks ${l.features.join(', ')}`).join('; ');
    return withTruth({ ...report, candidates: tried(candidates, [], options), reason: `a required feature is missing: ${why}` }, truth, caps);
  }

  const attempts: TriedCandidate[] = [];
  let modelTruth: SelectionReport | undefined;
  for (const candidate of candidates.slice(0, options.maxModelAttempts ?? 4)) {
    const truth = await verify(candidate.model, base.requiredFeatures);
    if (!truth.decided) {
      return withTruth({ ...report, decided: false, candidates: tried(candidates, attempts, options), reason: unasked(truth) }, truth, caps);
    }
    attempts.push(outcome(candidate, truth));
    if (truth.ok) {
      modelTruth = truth;
      break;
    }
  }
  if (!modelTruth) {
    return { ...report, candidates: tried(candidates, attempts, options), reason: `none of the ${count(attempts.length, 'newest candidate')} is enforceable on every host` };
  }

  const final =
    options.extraFeatures === false ? { truth: modelTruth, extras: [], refused: [] } : await confirmExtras(caps, inputs.hosts, modelTruth, base, verify, options.maxExtraRounds ?? 3);
  if (!final.truth.decided) {
    return withTruth({ ...report, decided: false, candidates: tried(candidates, attempts, options), reason: unasked(final.truth) }, final.truth, caps);
  }
  const model = modelTruth.resolvedModel;
  const required = [...base.requiredFeatures, ...final.extras];
  const libvirt = renderLibvirtCpu(model, required, base.disabledFeatures);
  return withTruth(
    {
      ...report,
      ok: true,
      model,
      extraFeatures: final.extras,
      refusedExtras: final.refused,
      selection: { model, requiredFeatures: required, disabledFeatures: base.disabledFeatures, machineType: base.machineType, accelerator: base.accelerator },
      qemuCpuArg: renderQemuCpuArg(model, required, base.disabledFeatures),
      libvirtCpuXml: libvirt.xml,
      libvirtCpuXmlReason: libvirt.reason,
      candidates: tried(candidates, attempts, options),
      migration: { ...report.migration, blockers: migrationBlockers(caps, required) },
    },
    final.truth,
    caps,
  );
}

async function probeEntry(ctx: ProbeContext, entry: HostEntry, sel: NormalizedSelection): Promise<Probed> {
  const name = connectionLabel(entry);
  try {
    const caps = await probeHost({ connection: connectionOf(entry), machineType: sel.machineType, accelerator: sel.accelerator, qemuBinary: entry.qemuBinary }, ctx);
    return { entry, name, caps: { ...caps, host: name } };
  } catch (err) {
    // As in verifyHost: even a bug must not hide the other hosts.
    const error = err instanceof QemuCpuError ? err.message : `${name}: internal error while probing this host: ${err instanceof Error ? err.message : String(err)}`;
    return { entry, name, error };
  }
}

function emptyReport(probed: Probed[], sel: NormalizedSelection): BaselineReport {
  const hosts: BaselineHost[] = probed.map((p) => ({
    name: p.name,
    qemuVersion: p.caps?.qemu.version ?? null,
    cpu: (p.caps && hostCpuName(p.caps)) ?? null,
    vendor: (p.caps && hostCpuVendor(p.caps)) ?? null,
    accelerator: p.caps?.accelerator ?? null,
    machineType: null,
    usableModels: p.caps ? p.caps.models.filter((m) => m.usable && m.aliasOf === null && m.migrationSafe).length : null,
    ...(p.error !== undefined ? { error: p.error } : {}),
  }));
  const caps = probed.flatMap((p) => (p.caps ? [p.caps] : []));
  return {
    ok: false,
    decided: true,
    reason: null,
    model: null,
    extraFeatures: [],
    refusedExtras: [],
    selection: null,
    qemuCpuArg: null,
    libvirtCpuXml: null,
    libvirtCpuXmlReason: null,
    hosts,
    candidates: [],
    migration: { blockers: caps.length === probed.length ? migrationBlockers(caps, sel.requiredFeatures) : [], machineTypes: [], suggestedMachineType: null },
    verification: null,
  };
}

/** Attach the ground truth: per-host machine types, and where they differ, one every host knows. */
function withTruth(report: BaselineReport, truth: SelectionReport, caps: HostCapabilities[]): BaselineReport {
  const machineTypes = truth.hosts.filter((h) => h.machineType !== null).map((h) => ({ host: h.name, machineType: h.machineType! }));
  const hosts = report.hosts.map((h) => ({ ...h, machineType: machineTypes.find((m) => m.host === h.name)?.machineType ?? null }));
  const distinct = new Set(machineTypes.map((m) => m.machineType));
  return {
    ...report,
    decided: report.decided && truth.decided,
    hosts,
    verification: truth,
    migration: { ...report.migration, machineTypes: distinct.size > 1 ? machineTypes : [], suggestedMachineType: distinct.size > 1 ? suggestMachineType(caps, [...distinct]) : null },
  };
}

function outcome(candidate: BaselineCandidate, truth: SelectionReport): TriedCandidate {
  return {
    ...candidate,
    outcome: truth.ok ? 'confirmed' : 'rejected',
    missing: truth.hosts.filter((h) => h.missingFeatures.length > 0).map((h) => ({ host: h.name, features: h.missingFeatures })),
  };
}

/** The tried candidates, then a few untried ones for context. */
function tried(all: BaselineCandidate[], attempts: TriedCandidate[], options: BaselineOptions): TriedCandidate[] {
  const shown = Math.max(attempts.length + 3, options.maxModelAttempts ?? 4);
  return [...attempts, ...all.slice(attempts.length, shown).map((c) => ({ ...c, outcome: 'untried' as const, missing: [] }))];
}

/** Which hosts the ground truth could not ask. */
function unasked(truth: SelectionReport): string {
  return `could not ask ${truth.hosts.filter((h) => h.enforceable === null).map((h) => h.name).join(', ')} for the ground truth`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
