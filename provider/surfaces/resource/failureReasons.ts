import type { HostVerdict } from '../../model';
import type { SelectionReport } from '../../probe';
import type { SelectionInputs } from '../../inventory';

/** The input property a check failure names; '' for the inputs as a whole. */
export type FailureProperty = keyof SelectionInputs | '';

/** One check failure, as Pulumi's CheckFailure carries it. */
export interface SelectionFailure {
  property: FailureProperty;
  reason: string;
}

/** Inputs that can hold SSH secrets (a host's, or an inventory's hostDefaults). */
const SECRET_BEARING: readonly FailureProperty[] = ['hosts', 'inventory'];

/**
 * A failure about `property`. The engine prints a named property's whole
 * input value next to the reason ("resource 'x's property 'p' value V has a
 * problem: ..."), so failures about inputs that hold credentials name no
 * property; their reason says which host or field.
 */
export function failureOn(property: FailureProperty, reason: string): SelectionFailure {
  return { property: SECRET_BEARING.includes(property) ? '' : property, reason };
}

/**
 * A host failure reason, read back: for programs that hold only the reason
 * text (Pulumi's check failures carry no data). qemu-cpu itself never reads
 * its reasons back; it has the verdicts.
 */
export interface ParsedHostFailure {
  host: string;
  model: string;
  machine: string;
  /** The features the host cannot give the guest; absent when the host could not be asked. */
  missing?: string[];
  /** Why the host cannot (a refusal: unknown-model, unknown-feature, vcpu-start) or could not be asked (the stage that failed: connect, auth, launch, ...), and QEMU's or the transport's message. */
  error?: { kind: string; message: string };
}

const HOST_FAILURE = /^host=(\S+) model=(\S+) machine=(\S+) (?:missing=(\S+)|error=([a-z-]+): ([\s\S]*))$/;

/** Read a reason written by {@link hostFailures}; undefined for any other text. */
export function parseHostFailure(reason: string): ParsedHostFailure | undefined {
  const m = HOST_FAILURE.exec(reason);
  if (!m) return undefined;
  const [, host, model, machine, missing, kind, message] = m;
  return missing !== undefined ? { host, model, machine, missing: missing.split(',') } : { host, model, machine, error: { kind, message } };
}

/** The input a refusal is about: the model (unknown, or a vCPU that does not start), the machine type, or the list that asked for the unknown feature. */
function refusedProperty(refusal: NonNullable<HostVerdict['refusal']>, report: SelectionReport): FailureProperty {
  if (refusal.kind === 'unknown-machine-type') return 'machineType';
  if (refusal.kind !== 'unknown-feature') return 'model';
  return report.disabledFeatures.includes(refusal.name) ? 'disabledFeatures' : 'requiredFeatures';
}

/**
 * The reason for one host, or undefined when it can enforce the CPU. Made
 * from the verdict's data (outcome, refusal, stage, message), never from its
 * words: error= names the refusal's kind, or the stage where asking failed.
 */
export function hostFailure(verdict: HostVerdict, report: SelectionReport, inputs: Pick<SelectionInputs, 'machineType'>): SelectionFailure | undefined {
  if (verdict.outcome === 'can') return undefined;
  const head = `host=${verdict.name} model=${verdict.resolvedModel ?? report.model} machine=${verdict.machineType ?? inputs.machineType ?? 'default'}`;
  if (verdict.refusal) {
    return failureOn(refusedProperty(verdict.refusal, report), `${head} error=${verdict.refusal.kind}: ${verdict.message ?? verdict.refusal.qemuStderr}`);
  }
  if (verdict.outcome === 'cannot') return failureOn('hosts', `${head} missing=${verdict.missingFeatures.join(',')}`);
  return failureOn('', `${head} error=${verdict.stage ?? 'unknown'}: ${verdict.message ?? 'the host could not be asked'}`);
}

/** One failure per host that cannot enforce the CPU, in host order. */
export function hostFailures(report: SelectionReport, inputs: Pick<SelectionInputs, 'machineType'>): SelectionFailure[] {
  return report.hosts.map((h) => hostFailure(h, report, inputs)).filter((f): f is SelectionFailure => f !== undefined);
}
