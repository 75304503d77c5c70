import { randomUUID } from 'node:crypto';
import { isAutoModel } from '../../model';
import { ConfigError } from '../../errors';
import { parseInput, verifySelection, type SelectionReport } from '../../probe';
import { SelectionInputsSchema, type SelectionInputs } from '../../inventory';
import { autoOutputs, baselineCpu, baselineFailures, carriedPin, findAutoCpu, parseAutoCpu, pinFits, pinnedInputs, splitComputedInputs, type ComputedInputs } from './autoPin';
import { resolveContext, type ResolvedContext, type ResourceContext } from './context';
import { hostFailures } from './failureReasons';
import { fleetFailures } from './fleetFailures';
import { hostProblems } from './hostProblems';
import { appliedInputs, sealOutputs, StoredOutputsSchema, toOutputs, type AutoCpu, type SelectionOutputs } from './selectionOutputs';
import { NoBaselineError, SelectionRefusedError } from './selectionRefused';

/**
 * Create: ask every host again (hosts can change between preview and
 * deploy) and store the answer, or refuse with the same report Check gives.
 * The ID is random: the resource stands for a verified answer, not for
 * anything on a host. Model 'auto' pins the CPU Check found (its computed
 * input `pinnedSelection`), asking every host again whether it can enforce it.
 */
export async function createSelection(news: Record<string, unknown>, context?: ResourceContext): Promise<{ id: string; outs: Record<string, unknown> }> {
  const ctx = resolveContext(context);
  const { inputs, computed } = parseSelection(news);
  return { id: randomUUID(), outs: await settle(inputs, computed, undefined, ctx) };
}

/**
 * Update: the same as create, under the same ID. Model 'auto' keeps the
 * pin Check carried over (or, without one, the stored pin while the
 * question is the same) and records the fleet's latest best beside it.
 */
export async function updateSelection(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>, context?: ResourceContext): Promise<{ outs: Record<string, unknown> }> {
  const ctx = resolveContext(context);
  const { inputs, computed } = parseSelection(news);
  return { outs: await settle(inputs, computed, olds, ctx) };
}

/**
 * Read (refresh): ask every host again with the stored inputs. A host that
 * can no longer enforce the CPU does not fail the refresh: it shows as
 * changed outputs (enforceable false, the host's report, a failure line).
 * Model 'auto' asks about the pinned CPU, never changes it, and looks for
 * the fleet's best again (latestBaseline, baselineDrift).
 */
export async function readSelection(id: string, props: Record<string, unknown>, context?: ResourceContext): Promise<{ id: string; props: Record<string, unknown> }> {
  const ctx = resolveContext(context);
  const stored = parseInput(StoredOutputsSchema, props, 'CpuModelSelection state');
  const inputs = appliedInputs(stored);
  if (!isAutoModel(inputs.model)) {
    const { outputs } = await ask(inputs, ctx);
    return { id, props: sealOutputs(outputs, ctx.wrapSecret) };
  }
  // State written by this version always holds the pin; should it not, the refresh finds one (there is none to change).
  const pin = stored.pinnedSelection ?? (await pinOrRefuse(inputs, ctx));
  const [asked, report] = await Promise.all([ask(inputs, ctx, pin), findAutoCpu(inputs, ctx)]);
  const latest = baselineCpu(report) ?? stored.latestBaseline ?? pin;
  return { id, props: sealOutputs({ ...asked.outputs, ...autoOutputs(pin, latest) }, ctx.wrapSecret) };
}

/** Delete touches nothing on any host: nothing was made there. */
export async function deleteSelection(): Promise<void> {}

/** The program's inputs, and the inputs Check computed for model 'auto'. */
function parseSelection(news: Record<string, unknown>): { inputs: SelectionInputs; computed: ComputedInputs } {
  const { user, computed } = splitComputedInputs(news);
  const inputs = parseInput(SelectionInputsSchema, user, 'CpuModelSelection inputs');
  const issues = hostProblems(inputs).map((p) => p.reason);
  if (issues.length > 0) throw new ConfigError({ what: 'invalid CpuModelSelection inputs', why: issues.join('; '), hint: 'Fix the listed fields and run again.', issues });
  return { inputs, computed };
}

/**
 * Ask every host and store the answer, or refuse. For model 'auto' the CPU
 * asked is the pin: the one Check computed, else the stored one (update,
 * same question), else a baseline found now.
 */
async function settle(inputs: SelectionInputs, computed: ComputedInputs, olds: Record<string, unknown> | undefined, ctx: ResolvedContext): Promise<Record<string, unknown>> {
  if (!isAutoModel(inputs.model)) return refuseOrSeal(await ask(inputs, ctx), ctx);
  const kept = computed.pinned && pinFits(computed.pinned, inputs) ? computed.pinned : carriedPin(olds, inputs);
  const pin = kept ?? (await pinOrRefuse(inputs, ctx));
  const latest = (kept ? computed.latest ?? parseAutoCpu(olds?.latestBaseline) : undefined) ?? pin;
  return refuseOrSeal(await ask(inputs, ctx, pin, latest), ctx);
}

/** A new baseline, or NoBaselineError naming why and which hosts. */
async function pinOrRefuse(inputs: SelectionInputs, ctx: ResolvedContext): Promise<AutoCpu> {
  const report = await findAutoCpu(inputs, ctx);
  const found = baselineCpu(report);
  if (!found) throw new NoBaselineError(report, baselineFailures(report, inputs).map((f) => f.reason));
  return found;
}

/** Ask every host; the outputs and one failure line per host that cannot enforce the CPU (for 'auto': the pinned one). */
async function ask(inputs: SelectionInputs, ctx: ResolvedContext, pin?: AutoCpu, latest?: AutoCpu): Promise<{ report: SelectionReport; outputs: SelectionOutputs; failures: string[] }> {
  const asked = pin ? pinnedInputs(inputs, pin) : (inputs as SelectionInputs & { model: string });
  const report = await verifySelection(asked, { pool: ctx.pool });
  const failures = [...hostFailures(report, asked), ...fleetFailures(report)].map((f) => f.reason);
  return { report, outputs: toOutputs(inputs, report, failures, pin ? autoOutputs(pin, latest ?? pin) : undefined), failures };
}

function refuseOrSeal({ report, outputs, failures }: Awaited<ReturnType<typeof ask>>, ctx: ResolvedContext): Record<string, unknown> {
  if (failures.length > 0) throw new SelectionRefusedError(report, failures);
  return sealOutputs(outputs, ctx.wrapSecret);
}
