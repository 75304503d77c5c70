import { ConfigError } from '../errors';
import { connectionLabel } from '../transport';
import {
  archProfile,
  mixedArchitectures,
  baselineCandidates,
  commonExtraFeatures,
  baselinePolicy,
  levelLabel,
  missingForLevel,
  nearest64BitModels,
  reachesLevel,
  vendorRule,
  hostVendors,
  x86LevelOf,
  lackingRequiredFeatures,
  migrationBlockers,
  requireValidSelection,
  noRenderings,
  renderCpu,
  hostCpuName,
  hostCpuVendor,
  type BaselineCandidate,
  type BaselinePolicy,
  type HostCapabilities,
  type NormalizedSelection,
  type X86Level,
} from '../model';
import { askAtOnce } from './baselineAtOnce';
import { withTruth } from './baselineTruth';
import { BaselineCache, fromCache, type BaselineCacheHost } from './baselineCache';
import { confirmExtras, type Verifier } from './baselineExtras';
import { probeForBaseline, sharedFacts, unchangedEverywhere, type BaselineHostContext, type ProbedHost } from './baselineHosts';
import { findHostModelBaseline } from './hostModelBaselineSearch';
import { candidateOutcome, lackingReason, unaskedReason } from './baselineReasons';
import type { BaselineHost, BaselineReport } from './baselineReport';
import { hostIdentity, type ProbeContext } from './probeHost';
import { runBounded } from './runBounded';
import { connectionOf, type FleetSelection, type HostEntry } from './selectionInputs';
import { sharedPool, type TransportPool } from './transportPool';
import { verifySelection, withDemands, type HostFactsSource, type SelectionReport } from './verifySelection';

/** Options that do not change what "best" means. */
export interface BaselineOptions {
  pool?: TransportPool;
  /** How many candidate models the ground truth may reject before the search gives up. Default 4. */
  maxModelAttempts?: number;
  /** Look for features every host can add to the model. Default true. */
  extraFeatures?: boolean;
  /** How many times the extras may be narrowed after a host refuses some. Default 3. */
  maxExtraRounds?: number;
  /** Passed to each host's capability probe, and its cache settings to each exact-CPU check and to the baseline's own cache entry. */
  probe?: Omit<ProbeContext, 'transport' | 'pool'>;  /** Where each host's facts come from: a caller asking the same hosts other questions at once shares one exec per host with them (sharedFacts). Default: one exec per host for this search. */
  factsOf?: HostFactsSource;
}

type TriedCandidate = BaselineReport['candidates'][number];

/**
 * The newest named QEMU model every host can enforce, plus the largest set
 * of extra features common to all hosts, both confirmed by the ground truth
 * (a paused VM with the exact CPU on every host). `inputs.model` is ignored.
 *
 * 0. the fingerprint cache: while every host's fingerprint matches the one
 *    stored with a decided answer for the same question and fleet, that
 *    answer stands (one connection and one facts exec per host, no QEMU);
 * 1. probe every host with the machine type (in parallel, up to `concurrency`);
 * 2. candidates: models every host lists and can run, newest first (docs/baseline.md);
 * 3. verifySelection with each candidate until one is enforceable everywhere;
 * 4. add the features every host model has and the model does not give,
 *    verify again, drop what any host refuses (confirmExtras).
 *
 * Every question to one host shares one facts exec. Never throws for a
 * host that cannot be asked: the report is undecided.
 *
 * @throws ConfigError for unknown feature names or no hosts.
 */
export async function findBaseline(inputs: FleetSelection, options: BaselineOptions = {}): Promise<BaselineReport> {
  if (inputs.hosts.length === 0) throw new ConfigError({ what: 'no hosts to find a baseline for', hint: 'Name hosts, or an inventory that has some.' });
  const base = requireValidSelection({ ...inputs, model: 'base' });
  const ctx: BaselineHostContext = { pool: options.pool ?? sharedPool, factsOf: options.factsOf ?? sharedFacts(), probe: options.probe };
  const cache = new BaselineCache(inputs.hosts.map(cacheHost), baselineQuestion(inputs, base, options), { cache: options.probe?.cache, cacheDir: options.probe?.cacheDir });
  const stored = await cache.stored();
  if (stored && (await unchangedEverywhere(ctx, inputs.hosts, stored, inputs.concurrency))) return fromCache(stored.report);
  const probed = await runBounded(inputs.hosts, inputs.concurrency, (entry) => probeForBaseline(ctx, entry, base));
  const report = await searchBaseline(inputs, base, probed, ctx, options);
  await cache.store(report, probed.map((p) => p.facts), probed.map((p) => p.caps?.qemu.version ?? null));
  return report;
}

/** Who each host is for the cache, before any connection: the label and SSH endpoint its transport will have. */
function cacheHost(entry: HostEntry): BaselineCacheHost {
  return { identity: hostIdentity({ label: connectionLabel(entry), remote: true }, connectionOf(entry)), qemuBinary: entry.qemuBinary ?? null };
}

/** Everything the baseline's answer depends on besides the hosts: the CPU asked, the fleet's demands and the search's options. */
function baselineQuestion(inputs: FleetSelection, base: NormalizedSelection, options: BaselineOptions): Record<string, unknown> {
  return {
    ...base,
    minimumLevel: inputs.minimumLevel ?? null,
    requireMigratable: inputs.requireMigratable ?? false,
    extraFeatures: options.extraFeatures !== false,
    maxModelAttempts: options.maxModelAttempts ?? 4,
    maxExtraRounds: options.maxExtraRounds ?? 3,
    vcpuStartCheck: options.probe?.vcpuStartCheck ?? false,
  };
}

/** Steps 2 to 4 of {@link findBaseline}, given every host's probe. */
async function searchBaseline(inputs: FleetSelection, base: NormalizedSelection, probed: ProbedHost[], ctx: BaselineHostContext, options: BaselineOptions): Promise<BaselineReport> {
  const unprobed = emptyReport(probed, base, inputs.minimumLevel);
  if (probed.some((p) => p.problem !== undefined)) {
    return { ...unprobed, decided: false, reason: `${count(probed.filter((p) => p.problem !== undefined).length, 'host')} could not be asked` };
  }
  const caps = probed.map((p) => p.caps!);
  refuseMixedArchitectures(caps);
  // The fleet's demands are judged on the final CPU, not on each candidate's ground truth.
  const verifyOptions = { pool: ctx.pool, cache: options.probe?.cache, cacheDir: options.probe?.cacheDir, hostTimeoutMs: options.probe?.hostTimeoutMs, factsOf: ctx.factsOf };
  const method = archProfile(caps[0].arch).baseline;
  if (method === 'host-model') return findHostModelBaseline(inputs, base, caps, { ...unprobed, x86Level: null, method }, verifyOptions);
  const { candidates, policy } = deriveCandidates(caps, base);
  const report: BaselineReport = { ...unprobed, policy, method };
  const asked = { ...inputs, minimumLevel: undefined, requireMigratable: false };
  const verify: Verifier = (model, required, hosts = inputs.hosts) =>
    verifySelection({ ...asked, hosts, model, requiredFeatures: required, disabledFeatures: base.disabledFeatures }, verifyOptions);
  if (candidates.length === 0) return { ...report, reason: noCandidateReason(caps, policy, base.disabledFeatures) };

  const lacking = lackingRequiredFeatures(caps, base.requiredFeatures);
  if (lacking.length > 0) {
    // No model can fix a missing required feature; the ground truth of the newest candidate names the hosts.
    const truth = await verify(candidates[0].model, base.requiredFeatures);
    return withTruth({ ...report, candidates: tried(candidates, [], options), reason: lackingReason(lacking) }, truth, caps);
  }

  // Each candidate with every extra the host models offer, in one VM per host: in the common case all the search needs.
  const offered = options.extraFeatures === false ? [] : commonExtraFeatures(caps, [], base);
  const verifierFor = (model: string) => (offered.length > 0 ? askAtOnce(ctx, inputs.hosts, base, model, offered, inputs.concurrency, verify) : Promise.resolve(verify));
  const { attempts, modelTruth, undecided, ask } = await confirmModel(candidates, base, verifierFor, options);
  if (undecided) {
    return withTruth({ ...report, decided: false, candidates: tried(candidates, attempts, options), reason: unaskedReason(undecided) }, undecided, caps);
  }
  if (!modelTruth) {
    return { ...report, candidates: tried(candidates, attempts, options), reason: `none of the ${count(attempts.length, 'newest candidate')} is enforceable on every host` };
  }

  const final =
    options.extraFeatures === false || !ask ? { truth: modelTruth, extras: [], refused: [] } : await confirmExtras(caps, inputs.hosts, modelTruth, base, ask, options.maxExtraRounds ?? 3);
  if (!final.truth.decided) {
    return withTruth({ ...report, decided: false, candidates: tried(candidates, attempts, options), reason: unaskedReason(final.truth) }, final.truth, caps);
  }
  const model = modelTruth.resolvedModel;
  const required = [...base.requiredFeatures, ...final.extras];
  const level = x86LevelOf(final.truth.effectiveFeatures);
  const short = inputs.minimumLevel !== undefined && !reachesLevel(level.level, inputs.minimumLevel);
  return withTruth(
    {
      ...report,
      ok: !short,
      reason: short ? `the newest baseline, ${model}${final.extras.length ? ` with ${count(final.extras.length, 'extra feature')}` : ''}, reaches ${levelLabel(level.level)}, below the minimum ${inputs.minimumLevel}: it lacks ${missingForLevel(final.truth.effectiveFeatures, inputs.minimumLevel!).join(', ')}` : null,
      x86Level: level,
      model,
      extraFeatures: final.extras,
      refusedExtras: final.refused,
      selection: { model, requiredFeatures: required, disabledFeatures: base.disabledFeatures, machineType: base.machineType ?? archProfile(caps[0].arch).defaultMachineType, accelerator: base.accelerator },
      ...renderCpu({ model, requiredFeatures: required, disabledFeatures: base.disabledFeatures }),
      candidates: tried(candidates, attempts, options),
      migration: { ...report.migration, blockers: migrationBlockers(caps, required) },
    },
    withDemands(final.truth, inputs),
    caps,
  );
}

/**
 * Step 2, from the probes alone (no QEMU): the candidate models, newest
 * first, and the policy that chose them.
 */
export function deriveCandidates(caps: readonly HostCapabilities[], base: NormalizedSelection): { candidates: BaselineCandidate[]; policy: BaselinePolicy } {
  return { candidates: baselineCandidates(caps, base.disabledFeatures), policy: baselinePolicy(caps, base.disabledFeatures) };
}

/** What step 3 found: each candidate tried and its outcome; the first confirmed one's ground truth and the Verifier that answers its extras, or the truth that could not be had. */
interface ModelSearch {
  attempts: TriedCandidate[];
  modelTruth?: SelectionReport;
  ask?: Verifier;
  undecided?: SelectionReport;
}

/**
 * Step 3: the ground truth of each candidate in turn, newest first, until
 * one is enforceable everywhere (and 64-bit); at most maxModelAttempts.
 * `verifierFor` asks each candidate its own way (askAtOnce: one VM per
 * host for it and its extras), so a candidate the ground truth rejects
 * hands over to the next, confirmed the same way.
 */
async function confirmModel(
  candidates: readonly BaselineCandidate[],
  base: NormalizedSelection,
  verifierFor: (model: string) => Promise<Verifier>,
  options: BaselineOptions,
): Promise<ModelSearch> {
  const attempts: TriedCandidate[] = [];
  for (const candidate of candidates.slice(0, options.maxModelAttempts ?? 4)) {
    const ask = await verifierFor(candidate.model);
    const truth = await ask(candidate.model, base.requiredFeatures);
    if (!truth.decided) return { attempts, undecided: truth };
    // A family the 32-bit list does not know can still lack long mode: the ground truth says.
    const short = truth.ok && x86LevelOf(truth.effectiveFeatures).level === null;
    attempts.push(short ? below64Bit(candidate, truth) : candidateOutcome(candidate, truth));
    if (truth.ok && !short) return { attempts, modelTruth: truth, ask };
  }
  return { attempts };
}

/**
 * A fleet of x86_64 and aarch64 hosts has no baseline to look for: no guest
 * CPU runs on both. Refused as a configuration problem, never "no baseline".
 */
function refuseMixedArchitectures(caps: readonly HostCapabilities[]): void {
  const why = mixedArchitectures(caps.map((c) => ({ name: c.host, arch: c.arch })));
  if (why === undefined) return;
  throw new ConfigError({ what: 'a baseline needs hosts of one architecture', why, hint: 'Find a baseline for each architecture\'s hosts separately (one check file each).', issues: [`hosts: ${why}`] });
}

/**
 * Why no model is a candidate. Where the only models every host can run
 * are 32-bit, there is no x86-64 baseline: name the 64-bit models nearest
 * to one and what blocks them, and the 32-bit models left out.
 */
function noCandidateReason(caps: HostCapabilities[], policy: ReturnType<typeof baselinePolicy>, disabledFeatures: readonly string[]): string {
  const thirtyTwo = policy.leftOut.filter((l) => l.why === '32-bit').map((l) => l.model);
  const otherVendor = policy.leftOut.filter((l) => l.why === 'other-vendor').map((l) => l.model);
  if (thirtyTwo.length === 0 && otherVendor.length === 0) return 'no named CPU model is usable on every host';
  const nearest = nearest64BitModels(caps, vendorRule(hostVendors(caps)).allows, disabledFeatures).slice(0, 3);
  const parts = ['no x86-64 baseline: no 64-bit named CPU model' + (policy.crossVendor ? '' : ` of the fleet's vendor (${policy.fleetVendors.join(', ')}) or a generic one`) + ' is usable on every host'];
  if (nearest.length) parts.push(`nearest: ${nearest.map((n) => `${n.model} lacks ${n.blockers.join(', ')}`).join('; ')} (disabledFeatures: [${nearest[0].blockers.join(', ')}] would make ${nearest[0].model} a candidate)`);
  if (thirtyTwo.length) parts.push(`32-bit models every host can run are never a baseline, a 64-bit kernel refuses them: ${thirtyTwo.join(', ')}`);
  if (otherVendor.length) parts.push(`other vendors' models left out: ${otherVendor.slice(0, 5).join(', ')}${otherVendor.length > 5 ? `, and ${otherVendor.length - 5} more` : ''}`);
  return parts.join('; ');
}

/** A candidate every host enforces whose ground truth has no long mode (below x86-64-v1): rejected. */
function below64Bit(candidate: BaselineCandidate, truth: SelectionReport): TriedCandidate {
  return {
    ...candidate,
    outcome: 'rejected',
    missing: truth.hosts.map((h) => ({ host: h.name, features: missingForLevel(h.effectiveFeatures, 'x86-64-v1') })).filter((m) => m.features.length > 0),
  };
}

function emptyReport(probed: ProbedHost[], sel: NormalizedSelection, minimumLevel: X86Level | undefined): BaselineReport {
  const hosts: BaselineHost[] = probed.map((p) => ({
    name: p.name,
    qemuVersion: p.caps?.qemu.version ?? null,
    cpu: (p.caps && hostCpuName(p.caps)) ?? null,
    vendor: (p.caps && hostCpuVendor(p.caps)) ?? null,
    accelerator: p.caps?.accelerator ?? null,
    machineType: null,
    usableModels: p.caps ? p.caps.models.filter((m) => m.usable && m.aliasOf === null && m.migrationSafe).length : null,
    ...(p.caps && archProfile(p.caps.arch).hasLevels ? { hostModelLevel: x86LevelOf(p.caps.hostModel.features).level } : {}),
    ...(p.problem !== undefined
      ? { error: p.problem.message, stage: p.problem.stage, kind: p.problem.kind, ...(p.problem.qemuStderr ? { qemuStderr: p.problem.qemuStderr } : {}) }
      : {}),
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
    ...noRenderings(),
    hosts,
    candidates: [],
    migration: { blockers: caps.length === probed.length ? migrationBlockers(caps, sel.requiredFeatures) : [], machineTypes: [], suggestedMachineType: null },
    verification: null,
    x86Level: null,
    minimumLevel: minimumLevel ?? null,
    policy: null,
    method: null,
  };
}

/** The tried candidates, then a few untried ones for context. */
function tried(all: BaselineCandidate[], attempts: TriedCandidate[], options: BaselineOptions): TriedCandidate[] {
  const shown = Math.max(attempts.length + 3, options.maxModelAttempts ?? 4);
  return [...attempts, ...all.slice(attempts.length, shown).map((c) => ({ ...c, outcome: 'untried' as const, missing: [] }))];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
