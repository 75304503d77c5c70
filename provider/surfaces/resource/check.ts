import { z } from 'zod';
import { ConfigError, formatZodIssues } from '../../errors';
import { baselineDrift, CpuSelectionSchema, isAutoModel } from '../../model';
import { sharedFacts, verifySelection, type HostFactsSource } from '../../probe';
import { SelectionInputsSchema, type SelectionInputs } from '../../inventory';
import { sealHostSecrets } from './hostSecrets';
import { baselineCpu, baselineFailures, carriedPin, cpuLine, driftWarning, findAutoCpu, hostList, parseAutoCpu, pinnedInputs } from './autoPin';
import { resolveContext, type ResolvedContext, type ResourceContext } from './context';
import { hostProblems } from './hostProblems';
import { failureOn, hostFailures, type FailureProperty, type SelectionFailure } from './failureReasons';
import { fleetFailures, migrationMessages } from './fleetFailures';
import { isUnderUnknown, touchesUnknown, unknownPaths, type PropertyPath } from './unknownValues';

/** A message for the engine's log (a surface that has one shows it in the preview). */
export interface CheckMessage {
  severity: 'info' | 'warning';
  message: string;
}

/** What Check answers: the inputs to store (defaults filled in, secrets marked), every failure, and messages for the log. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: SelectionFailure[];
  messages: CheckMessage[];
}

/** The inputs that describe the guest CPU: with any of them unknown no host can be asked yet. */
const CPU_KEYS = ['model', 'requiredFeatures', 'disabledFeatures', 'machineType', 'accelerator', 'minimumLevel'] as const;

/**
 * Validate CpuModelSelection's inputs and ask every host whether it can
 * enforce the CPU, so that a preview fails on a CPU some host cannot run.
 * Values not known yet are skipped, not errors: hosts whose connection is
 * not fully known are not asked, and no host is asked while the CPU itself
 * is not fully known.
 *
 * Model 'auto' (see checkAuto) also returns the computed inputs
 * `pinnedSelection` and `latestBaseline`; `olds` (the inputs stored by the
 * last deployment) carry the pin.
 */
export async function checkSelection(news: Record<string, unknown>, context?: ResourceContext, olds?: Record<string, unknown>): Promise<CheckResult> {
  const ctx = resolveContext(context);
  const unknowns = unknownPaths(news, ctx.isUnknown);
  const parsed = SelectionInputsSchema.safeParse(news);
  const failures = parsed.success ? [] : schemaFailures(parsed.error, unknowns);
  if (parsed.success) failures.push(...hostProblems(parsed.data, unknowns));
  // Fully known inputs are returned parsed, defaults filled in; others as they came.
  const complete = parsed.success && unknowns.length === 0 ? parsed.data : undefined;
  const inputs = sealInputs(complete ?? news, ctx);
  if (failures.length > 0) return { inputs, failures, messages: [] };
  if (isAutoModel(news.model)) return checkAuto(news, unknowns, complete, inputs, olds, ctx);

  const askable = complete ?? knownPart(news, unknowns);
  if (!askable) return { inputs, failures, messages: [] };
  const asked = await askHosts(askable as SelectionInputs & { model: string }, ctx);
  return { inputs, failures: asked.failures, messages: asked.messages };
}

/**
 * Check for model 'auto'.
 *
 * - No pin to keep (a new resource, a targeted replace, or a changed
 *   question: required or disabled features, machine type, accelerator):
 *   find the fleet baseline and return it as `pinnedSelection` (and
 *   `latestBaseline`); no baseline is a failure. Every host must be known.
 * - A pin to keep (olds): ask every known host whether it can still enforce
 *   the pinned CPU, exactly as for a concrete model, and find the fleet's
 *   best again. The pin is returned unchanged; the best as
 *   `latestBaseline`, so a preview shows it changing, with a warning.
 */
async function checkAuto(
  news: Record<string, unknown>,
  unknowns: readonly PropertyPath[],
  complete: SelectionInputs | undefined,
  inputs: Record<string, unknown>,
  olds: Record<string, unknown> | undefined,
  ctx: ResolvedContext,
): Promise<CheckResult> {
  const failures: SelectionFailure[] = [];
  const messages: CheckResult['messages'] = [];
  // The question itself not known yet: nothing can be said.
  if (CPU_KEYS.some((k) => touchesUnknown([k], unknowns))) return { inputs, failures, messages };
  const parsedCpu = CpuSelectionSchema.safeParse(news);
  if (!parsedCpu.success) return { inputs, failures, messages };
  const pin = carriedPin(olds, parsedCpu.data);

  if (pin === undefined) {
    // A baseline is for every host: with some not known yet, there is nothing to pin.
    if (!complete) return { inputs, failures, messages };
    let report;
    try {
      report = await findAutoCpu(complete, ctx);
    } catch (err) {
      return { inputs, failures: configFailures(err), messages };
    }
    const found = baselineCpu(report);
    if (!found) return { inputs, failures: baselineFailures(report, complete), messages };
    const before = parseAutoCpu(olds?.pinnedSelection);
    messages.push(
      before && isAutoModel(olds?.model)
        ? { severity: 'warning', message: `CpuModelSelection model 'auto' (hosts ${hostList(complete)}): the question changed, so the pin changes from ${cpuLine(before)} to ${cpuLine(found)}` }
        : { severity: 'info', message: `CpuModelSelection model 'auto' (hosts ${hostList(complete)}): the fleet baseline is ${cpuLine(found)}; it is pinned when the resource is created` },
    );
    return { inputs: { ...inputs, pinnedSelection: found, latestBaseline: found }, failures, messages };
  }

  const known = complete ?? knownPart(news, unknowns);
  // The pin's check and the search read each host's facts once between them.
  const factsOf = sharedFacts();
  const [verdicts, report] = await Promise.all([
    known ? askHosts(pinnedInputs(known, pin), ctx, factsOf) : Promise.resolve({ failures: [], messages: [] }),
    complete
      ? findAutoCpu(complete, ctx, factsOf).catch((err: unknown) => {
          // The pinned CPU's own check reports what is wrong with the inputs or hosts; this only loses latestBaseline.
          messages.push({ severity: 'warning', message: `CpuModelSelection model 'auto': could not look for the fleet's best CPU: ${err instanceof Error ? err.message : String(err)}` });
          return undefined;
        })
      : Promise.resolve(undefined),
  ]);
  failures.push(...verdicts.failures);
  messages.push(...verdicts.messages);
  const fresh = report && baselineCpu(report);
  const latest = fresh ?? parseAutoCpu(olds?.latestBaseline) ?? pin;
  if (complete && report && !fresh && failures.length === 0) {
    messages.push({ severity: 'warning', message: `CpuModelSelection model 'auto' (hosts ${hostList(complete)}): could not find the fleet's best CPU now (${report.reason ?? 'undecided'}); the pinned CPU ${cpuLine(pin)} is kept` });
  }
  if (complete && fresh && baselineDrift(pin, fresh).changed) messages.push({ severity: 'warning', message: driftWarning(pin, fresh, complete) });
  return { inputs: { ...inputs, pinnedSelection: pin, latestBaseline: latest }, failures, messages };
}

/** Every schema problem, except those about values not known yet. */
function schemaFailures(error: z.ZodError, unknowns: readonly PropertyPath[]): SelectionFailure[] {
  const issues = error.issues.filter((i) => !isUnderUnknown(i.path, unknowns));
  return formatZodIssues(new z.ZodError(issues)).map((reason, n) => failureOn(topProperty(issues[n].path), reason));
}

function topProperty(path: PropertyPath): FailureProperty {
  const top = path[0];
  return typeof top === 'string' && top in SelectionInputsSchema.shape ? (top as FailureProperty) : '';
}

/** The inputs with only the hosts that are fully known; undefined when there is nothing to ask yet. */
function knownPart(news: Record<string, unknown>, unknowns: readonly PropertyPath[]): SelectionInputs | undefined {
  if (CPU_KEYS.some((k) => touchesUnknown([k], unknowns))) return undefined;
  const hosts = Array.isArray(news.hosts) ? news.hosts.filter((_, i) => !touchesUnknown(['hosts', i], unknowns)) : [];
  const known: Record<string, unknown> = { ...news, hosts };
  if (touchesUnknown(['concurrency'], unknowns)) delete known.concurrency;
  const parsed = SelectionInputsSchema.safeParse(known);
  return parsed.success && hosts.length > 0 ? parsed.data : undefined;
}

/**
 * Ask the hosts; one failure per host that cannot enforce the CPU, per
 * feature name no QEMU knows, and per fleet demand unmet (minimumLevel,
 * requireMigratable); a warning per migration blocker otherwise.
 */
async function askHosts(inputs: SelectionInputs & { model: string }, ctx: ResolvedContext, factsOf?: HostFactsSource): Promise<Pick<CheckResult, 'failures' | 'messages'>> {
  try {
    const report = await verifySelection(inputs, { pool: ctx.pool, factsOf });
    return { failures: [...hostFailures(report, inputs), ...fleetFailures(report)], messages: migrationMessages(report) };
  } catch (err) {
    return { failures: configFailures(err), messages: [] };
  }
}

/** A ConfigError about the features as failures on the feature inputs the error names (issueFields); anything else is rethrown. */
function configFailures(err: unknown): SelectionFailure[] {
  if (!(err instanceof ConfigError)) throw err;
  return err.issues.map((reason, i) => failureOn(err.issueFields[i] === 'disabledFeatures' ? 'disabledFeatures' : 'requiredFeatures', reason));
}

/** The inputs with every host secret marked, so the engine stores them encrypted even if the program did not mark them. */
function sealInputs(inputs: Record<string, unknown>, ctx: ResolvedContext): Record<string, unknown> {
  if (!Array.isArray(inputs.hosts)) return { ...inputs };
  const hosts = inputs.hosts.map((h) => (h !== null && typeof h === 'object' ? sealHostSecrets(h as Record<string, unknown>, ctx.wrapSecret) : h));
  return { ...inputs, hosts };
}
