import { z } from 'zod';
import { ERROR_KINDS, STAGES, type Problem } from '../errors';
import { BASELINE_METHODS, BaselineCandidateSchema, BaselinePolicySchema, MigrationBlockerSchema, OPTIONAL_CPU_RENDERING_SHAPE, X86LevelReachSchema, X86LevelSchema, AcceleratorSchema } from '../model';
import { SelectionReportSchema } from './verifySelection';

/** What the probe said about one host, for the baseline's report. */
export const BaselineHostSchema = z.object({
  name: z.string(),
  qemuVersion: z.string().nullable(),
  cpu: z.string().nullable().describe('The host CPU as /proc/cpuinfo names it.'),
  vendor: z.string().nullable().describe('CPUID vendor of the host CPU.'),
  accelerator: AcceleratorSchema.nullable(),
  machineType: z.string().nullable().describe('The concrete machine type the requested one resolves to on this host (after the ground truth).'),
  usableModels: z.number().int().nullable().describe('How many concrete named models this host can run.'),
  hostModelLevel: X86LevelSchema.nullable().optional().describe("The highest x86-64 level any guest on this host can reach: its host model's; null below x86-64-v1, absent when the host could not be probed."),
  error: z.string().optional().describe('Why this host could not be asked, in words.'),
  stage: z.enum(STAGES).optional().describe('Where asking this host failed (connect, auth, launch, ...); present with error.'),
  kind: z.enum(ERROR_KINDS).optional().describe('The kind of error that kept this host from being asked (connection, authentication, timeout, ...); present with error.'),
  qemuStderr: z.string().optional().describe("QEMU's own stderr lines, when QEMU said something."),
});
export type BaselineHost = z.infer<typeof BaselineHostSchema>;

/** Why this host could not be asked, as data; undefined when it was asked. */
export function baselineHostProblem(host: BaselineHost): Problem | undefined {
  if (host.error === undefined) return undefined;
  return { stage: host.stage ?? 'evaluate', kind: host.kind ?? 'internal', message: host.error, ...(host.qemuStderr ? { qemuStderr: host.qemuStderr } : {}) };
}

/** One candidate model and what the ground truth said about it. */
export const TriedCandidateSchema = BaselineCandidateSchema.extend({
  outcome: z.enum(['confirmed', 'rejected', 'untried']),
  missing: z.array(z.object({ host: z.string(), features: z.array(z.string()) })).describe('For rejected models: what each host could not give.'),
});

/**
 * The CPU part of a check file (and of CpuModelSelection's inputs): the
 * baseline written so it can be pasted as is.
 */
export const BaselineSelectionSchema = z.object({
  model: z.string(),
  requiredFeatures: z.array(z.string()).describe("The file's required features plus the confirmed common extras."),
  disabledFeatures: z.array(z.string()),
  machineType: z.string(),
  accelerator: AcceleratorSchema,
});
export type BaselineSelection = z.infer<typeof BaselineSelectionSchema>;

/** The answer of `qemu-cpu baseline` and of model "auto". */
export const BaselineReportSchema = z.object({
  ok: z.boolean().describe('A model was found and every host enforced it, with the extras, in the ground truth.'),
  decided: z.boolean().describe('Every host could be asked; false means the answer is unknown (see hosts[].error).'),
  reason: z.string().nullable().describe('Why there is no baseline (ok false), in one sentence.'),
  model: z.string().nullable().describe('The newest named model every host can enforce.'),
  extraFeatures: z.array(z.string()).describe('Features every host can give beyond the model, confirmed by the ground truth.'),
  refusedExtras: z
    .array(z.object({ host: z.string(), features: z.array(z.string()), why: z.enum(['missing', 'qemu-failed-to-start']) }))
    .describe("Features every host model offers that a host's ground truth refused with the model: left out of extraFeatures."),
  selection: BaselineSelectionSchema.nullable().describe('Ready to paste into a check file: model, requiredFeatures (with the extras), disabledFeatures, machineType, accelerator. Below minimumLevel (ok false) it is the best CPU there is, which falls short.'),
  // The baseline CPU in every output format (as in SelectionReport); each null without a baseline.
  ...OPTIONAL_CPU_RENDERING_SHAPE,
  hosts: z.array(BaselineHostSchema),
  candidates: z.array(TriedCandidateSchema).describe('The newest candidates, in order, and what happened to each.'),
  migration: z.object({
    blockers: z.array(MigrationBlockerSchema),
    machineTypes: z
      .array(z.object({ host: z.string(), machineType: z.string() }))
      .describe('Where hosts resolve the machine type differently, a migration needs one versioned type: see suggestedMachineType.'),
    suggestedMachineType: z.string().nullable().describe('The newest versioned machine type of the same kind that every host knows; null when there is none or the type is already one.'),
  }),
  verification: SelectionReportSchema.nullable().describe('The final ground truth: the baseline CPU on every host.'),
  x86Level: X86LevelReachSchema.nullable().describe('The x86-64 level of the baseline CPU (the features every host gives it), and what the next level lacks; null without a confirmed CPU.'),
  minimumLevel: X86LevelSchema.nullable().describe('The minimumLevel asked for; a baseline below it is not ok. Null when none (the baseline is still at least x86-64-v1).'),
  policy: BaselinePolicySchema.nullable().describe('Which models were candidates: never 32-bit ones; for a fleet of one vendor, only its own or generic ones. Null when a host could not be probed.'),
  method: z
    .enum(BASELINE_METHODS)
    .nullable()
    .describe("How the baseline was searched, by the fleet's architecture profile: named-models (x86: the newest named model every host runs) or host-model (aarch64: the host model with the properties every host gives on). Null when a host could not be probed."),
});
export type BaselineReport = z.infer<typeof BaselineReportSchema>;
