import { ARCHITECTURES, archProfile, baselineDrift, CpuSelectionSchema, cpuSwitches, normalizeSelection, renderCpu, undecidedVerdict, type CpuSelection, isAutoModel } from '../../model';
import { baselineHostProblem, findBaseline, judgeFleet, type BaselineReport, type HostFactsSource, type SelectionReport } from '../../probe';
import type { SelectionInputs } from '../../inventory';
import type { ResolvedContext } from './context';
import { failureOn, hostFailures, type SelectionFailure } from './failureReasons';
import { AutoCpuSchema, type AutoCpu, type AutoOutputs } from './selectionOutputs';

/**
 * Model 'auto': the fleet baseline, pinned. docs/provider.md ("Model auto")
 * describes the semantics; these are its pure parts and the one call that
 * finds a baseline.
 *
 * Check computes two inputs beside the program's, `pinnedSelection` and
 * `latestBaseline`, and returns them with the inputs: the engine stores
 * them, passes them back to the next Check as olds, shows their changes in
 * a preview and gives them to Create and Update. The program cannot set
 * them (the schema is strict).
 */
export const COMPUTED_INPUTS = ['pinnedSelection', 'latestBaseline'] as const;

/** The computed inputs, parsed; a value that does not parse is absent. */
export interface ComputedInputs {
  pinned?: AutoCpu;
  latest?: AutoCpu;
}

export function parseAutoCpu(value: unknown): AutoCpu | undefined {
  const parsed = AutoCpuSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Take the computed inputs off inputs that Check returned. */
export function splitComputedInputs(props: Record<string, unknown>): { user: Record<string, unknown>; computed: ComputedInputs } {
  const { pinnedSelection, latestBaseline, ...user } = props;
  return { user, computed: { pinned: parseAutoCpu(pinnedSelection), latest: parseAutoCpu(latestBaseline) } };
}

/** The machine types a selection runs with when it names none, one per architecture. */
const ARCH_DEFAULT_MACHINES: readonly string[] = ARCHITECTURES.map((a) => archProfile(a).defaultMachineType);

type CpuQuestion = Pick<CpuSelection, 'requiredFeatures' | 'disabledFeatures' | 'machineType' | 'accelerator'>;

/** The question 'auto' answers, normalized: feature spelling and order do not matter. */
function question(cpu: CpuQuestion): { required: string[]; disabled: string[]; machineType: string | undefined; accelerator: string } {
  const { selection } = normalizeSelection({ ...cpu, model: 'auto' });
  // No machine type and an architecture's default name (q35, virt; inputs stored before defaults were per architecture say q35) ask the same.
  const machineType = cpu.machineType === undefined || ARCH_DEFAULT_MACHINES.includes(cpu.machineType) ? undefined : cpu.machineType;
  return { required: [...selection.requiredFeatures].sort(), disabled: [...selection.disabledFeatures].sort(), machineType, accelerator: cpu.accelerator };
}

/** True when the pin answers these inputs' question: it has every required and exactly the disabled features, the machine type and the accelerator. */
export function pinFits(pin: AutoCpu, cpu: CpuQuestion): boolean {
  const q = question(cpu);
  return (
    q.required.every((f) => pin.requiredFeatures.includes(f)) &&
    JSON.stringify(q.disabled) === JSON.stringify([...pin.disabledFeatures].sort()) &&
    // No machine type asked: the architecture's default, which the pin names (q35, virt).
    (q.machineType === undefined ? ARCH_DEFAULT_MACHINES.includes(pin.machineType) : pin.machineType === q.machineType) &&
    pin.accelerator === q.accelerator
  );
}

/**
 * The pin to keep from the previous inputs (Check's olds) or outputs
 * (Update's olds): there must be one, the model must have been 'auto', and
 * the question must be the same (required and disabled features, machine
 * type, accelerator). Hosts and credentials do not matter: a changed fleet
 * never changes the pin. Undefined means "find a new one".
 */
export function carriedPin(previous: Record<string, unknown> | undefined, cpu: CpuQuestion): AutoCpu | undefined {
  if (!previous || !isAutoModel(previous.model)) return undefined;
  const pin = parseAutoCpu(previous.pinnedSelection);
  const before = CpuSelectionSchema.safeParse(previous);
  if (!pin || !before.success) return undefined;
  if (JSON.stringify(question(before.data)) !== JSON.stringify(question(cpu))) return undefined;
  return pinFits(pin, cpu) ? pin : undefined;
}

/** The inputs with the pinned CPU in place of 'auto': what the hosts are asked. */
export function pinnedInputs(inputs: SelectionInputs, pin: AutoCpu): SelectionInputs & { model: string } {
  return { ...inputs, ...pin };
}

/**
 * The fleet baseline for these inputs (their model is ignored): from the
 * fingerprint cache while every host is unchanged (no QEMU), sharing each
 * host's facts exec with the other questions asked with `factsOf`.
 */
export function findAutoCpu(inputs: SelectionInputs, ctx: ResolvedContext, factsOf?: HostFactsSource): Promise<BaselineReport> {
  return findBaseline(inputs, { pool: ctx.pool, factsOf });
}

/** The baseline's CPU, when there is one. */
export function baselineCpu(report: BaselineReport): AutoCpu | undefined {
  return report.ok && report.selection ? parseAutoCpu(report.selection) : undefined;
}

/** The outputs model 'auto' adds. */
export function autoOutputs(pin: AutoCpu, latest: AutoCpu): AutoOutputs {
  return { pinnedSelection: pin, latestBaseline: latest, baselineDrift: baselineDrift(pin, latest) };
}

/**
 * Why there is no baseline to pin: one failure on `model` with the
 * report's reason, then one per host, in the form of every other host
 * failure: the hosts that could not be asked, and where the ground truth
 * ran (a required feature some host lacks), what each host is missing.
 */
export function baselineFailures(report: BaselineReport, inputs: SelectionInputs): SelectionFailure[] {
  const summary = failureOn('model', `model 'auto': ${report.decided ? 'no CPU every host can enforce' : 'could not ask every host'}: ${report.reason ?? 'no baseline'}`);
  const unasked = report.hosts.flatMap((h) => {
    const problem = baselineHostProblem(h);
    return problem ? [undecidedVerdict(h.name, inputs, problem, new Date().toISOString())] : [];
  });
  const probe: SelectionReport = {
    ok: false,
    decided: false,
    model: 'auto',
    resolvedModel: 'auto',
    requiredFeatures: [],
    disabledFeatures: [],
    ...renderCpu({ model: 'auto', requiredFeatures: [], disabledFeatures: [] }),
    effectiveFeatures: [],
    hosts: unasked,
    ...judgeFleet(unasked, [], {}),
  };
  return [summary, ...hostFailures(probe, inputs), ...(report.verification ? hostFailures(report.verification, inputs) : [])];
}

/** A CPU in one line: the -cpu argument without enforce. */
export function cpuLine(cpu: AutoCpu): string {
  return cpuSwitches(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures);
}

/** Names the resource by its hosts: a dynamic provider is not told the resource's name. */
export function hostList(inputs: Pick<SelectionInputs, 'hosts'>): string {
  const names = inputs.hosts.map((h) => h.name ?? h.host);
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

/** The warning a preview shows while the fleet's best CPU differs from the pinned one. */
export function driftWarning(pin: AutoCpu, latest: AutoCpu, inputs: Pick<SelectionInputs, 'hosts'>): string {
  const d = baselineDrift(pin, latest);
  const parts = [
    d.modelChanged ? `model ${d.pinnedModel} -> ${d.bestModel}` : `model ${d.pinnedModel} (unchanged)`,
    ...(d.addedFeatures.length > 0 ? [`features added: ${d.addedFeatures.join(',')}`] : []),
    ...(d.removedFeatures.length > 0 ? [`features removed: ${d.removedFeatures.join(',')}`] : []),
  ];
  return (
    `CpuModelSelection model 'auto' (hosts ${hostList(inputs)}): the fleet's best CPU changed since it was pinned (${parts.join('; ')}). ` +
    `The pinned CPU ${cpuLine(pin)} is kept; latestBaseline and baselineDrift show the new one. To move to it, re-pin: pulumi up --replace <this resource's URN>.`
  );
}
