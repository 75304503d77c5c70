import { z } from 'zod';
import { AcceleratorSchema, BaselineDriftSchema, pickRenderings, RENDERING_KEYS, RENDERING_SHAPE, StoredHostVerdictSchema } from '../../model';
import { SelectionReportSchema, type SelectionReport } from '../../probe';
import { SelectionInputsSchema, type SelectionInputs } from '../../inventory';
import { HostCredentialsSchema, PublicHostEntrySchema, mergeHostSecrets, splitHostSecrets } from './hostSecrets';

/**
 * A CPU found by model 'auto': the fleet baseline (docs/baseline.md), in
 * the shape of a check file's CPU part. Stored twice: the pinned one and the
 * fleet's latest best.
 */
export const AutoCpuSchema = z
  .object({
    model: z.string().min(1).describe("The newest named QEMU model every host could enforce, concrete (e.g. 'EPYC-Rome-v1')."),
    requiredFeatures: z
      .array(z.string())
      .describe('The required features (QEMU spelling) plus the extra features every host shares, each confirmed by QEMU on every host.'),
    disabledFeatures: z.array(z.string()).describe('The disabled features, in QEMU spelling.'),
    machineType: z.string().min(1).describe('The machine type the baseline was found with, as given in the inputs.'),
    accelerator: AcceleratorSchema,
  })
  .strict()
  .describe("A CPU model 'auto' found: the newest named model every host can enforce plus the extra features all hosts share.");
export type AutoCpu = z.infer<typeof AutoCpuSchema>;

/** How the pinned CPU differs from the fleet's latest best: defined in provider/model (baselineDrift). */
export { BaselineDriftSchema };

/**
 * CpuModelSelection's outputs (its state): the inputs as applied, with the
 * hosts' secrets split off into `hostCredentials`, and what the hosts said.
 * There is no `hosts` output on purpose: Pulumi marks an output secret as a
 * whole when the input of the same name held a secret, and the host names
 * and reports must stay readable.
 */
export const SelectionOutputsSchema = SelectionInputsSchema.omit({ hosts: true })
  .extend({
    hostConnections: z.array(PublicHostEntrySchema).describe('The hosts as asked, without their secrets.'),
    hostCredentials: z
      .array(HostCredentialsSchema)
      .describe("Each host's SSH secrets, in the order of hostConnections; always a secret, kept so that a refresh can ask the hosts again."),
    enforceable: z.boolean().describe('Every host could be asked and can enforce the CPU (as of the last create, update or refresh).'),
    concreteModels: z
      .record(z.string().nullable())
      .describe("Per host name: the concrete model the name resolved to for that host's machine type; null when the host could not be asked."),
    // State written before verdicts had outcome still reads (a refresh, a diff), with outcome made from its data.
    reports: z.array(StoredHostVerdictSchema).describe("Per host: outcome (can, cannot, undecided) with stage, kind and message when not can, QEMU version, accelerator, machine type, missing features, effective features, when it was asked."),
    failures: z
      .array(z.string())
      .describe("One line per host that cannot enforce the CPU, as Check reports it: 'host=H model=M machine=T missing=f1,f2' or 'host=H model=M machine=T error=KIND: message'. Empty when enforceable."),
    pinnedSelection: AutoCpuSchema.optional().describe(
      "Model 'auto' only: the CPU pinned when the resource was created (or re-pinned on request, see docs/provider.md). resolvedModel, qemuCpuArg, libvirtCpuXml and the reports are this CPU. A change of the fleet never changes it.",
    ),
    latestBaseline: AutoCpuSchema.optional().describe(
      "Model 'auto' only: the fleet's best CPU as of the last check, update or refresh; differs from pinnedSelection when the fleet changed since the pin.",
    ),
    baselineDrift: BaselineDriftSchema.optional().describe("Model 'auto' only: how pinnedSelection compares with latestBaseline."),
  })
  .merge(SelectionReportSchema.pick({ resolvedModel: true, effectiveFeatures: true, x86Level: true, migration: true }).partial({ x86Level: true, migration: true }))
  // The CPU in every output format (provider/model/render).
  .extend(RENDERING_SHAPE)
  .strip();
export type SelectionOutputs = z.infer<typeof SelectionOutputsSchema>;

/**
 * Stored state as read back (refresh, diff): the renderings may be missing,
 * since state written before a format existed lacks its fields; a refresh
 * renders them all again from the CPU.
 */
export const StoredOutputsSchema = SelectionOutputsSchema.partial(Object.fromEntries(RENDERING_KEYS.map((k) => [k, true])) as { [K in (typeof RENDERING_KEYS)[number]]: true });
export type StoredOutputs = z.infer<typeof StoredOutputsSchema>;

/** The outputs Pulumi must store as secrets whatever the program marked. */
export const SECRET_OUTPUTS = ['hostCredentials'] as const;

/** What model 'auto' adds to the outputs: the pinned CPU, the fleet's latest best, and how they differ. */
export type AutoOutputs = Pick<SelectionOutputs, 'pinnedSelection' | 'latestBaseline' | 'baselineDrift'>;

/** Pure: the outputs for these inputs and this report (for model 'auto': of the pinned CPU). */
export function toOutputs(inputs: SelectionInputs, report: SelectionReport, failures: readonly string[], auto?: AutoOutputs): SelectionOutputs {
  const { hosts, ...selection } = inputs;
  const split = hosts.map(splitHostSecrets);
  return {
    ...auto,
    ...selection,
    hostConnections: split.map((s) => s.host),
    hostCredentials: split.map((s) => s.credentials),
    enforceable: report.ok,
    resolvedModel: report.resolvedModel,
    concreteModels: Object.fromEntries(report.hosts.map((h) => [h.name, h.resolvedModel])),
    ...pickRenderings(report),
    effectiveFeatures: report.effectiveFeatures,
    x86Level: report.x86Level,
    migration: report.migration,
    // Whether a verdict came from the fingerprint cache is not part of the answer: a refresh that changed nothing shows no change.
    reports: report.hosts.map(({ fromCache: _fromCache, ...verdict }) => verdict),
    failures: [...failures],
  };
}

/** The input properties other than hosts, as stored among the outputs. */
const SELECTION_KEYS = Object.keys(SelectionInputsSchema.shape).filter((k) => k !== 'hosts');

/** Pure: the inputs these outputs were made from, secrets joined back. */
export function appliedInputs(outputs: StoredOutputs): SelectionInputs {
  const selection = Object.fromEntries(SELECTION_KEYS.filter((k) => k in outputs).map((k) => [k, outputs[k as keyof StoredOutputs]]));
  const hosts = outputs.hostConnections.map((h, i) => mergeHostSecrets(h, outputs.hostCredentials[i]));
  return { ...selection, hosts } as SelectionInputs;
}

/** Mark the secret outputs with the surface's secret wrapper. */
export function sealOutputs(outputs: SelectionOutputs, wrapSecret: (v: unknown) => unknown): Record<string, unknown> {
  const sealed: Record<string, unknown> = { ...outputs };
  for (const key of SECRET_OUTPUTS) sealed[key] = wrapSecret(outputs[key]);
  return sealed;
}
