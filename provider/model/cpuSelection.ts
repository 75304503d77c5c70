import { z } from 'zod';
import { ConfigError } from '../errors';
import { AcceleratorSchema, CpuModelNameSchema, MachineTypeSchema } from './qemuNames';
import { canonicalFeatureAnyArch } from './arch';
import { X86LevelSchema } from './x86Levels';

/** A feature name as a user may write it: QEMU, /proc/cpuinfo or libvirt spelling. */
const FeatureInputSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'must be a CPU feature name such as avx2, sse4_1 or lahf-lm');

/** The model name that asks for the fleet's baseline instead of naming a CPU: a type of its own, not a CPU model name. */
export const AutoModelSchema = z.literal('auto').describe("'auto': the newest CPU every host can enforce, found and pinned by a baseline.");
export type AutoModel = z.infer<typeof AutoModelSchema>;

/** True for the model 'auto' (any input, typed or not). */
export const isAutoModel = (model: unknown): model is AutoModel => model === AutoModelSchema.value;

/**
 * The guest CPU asked for, independent of hosts: the part of
 * CpuModelSelection's inputs (and of a `qemu-cpu check` file) that
 * describes the CPU. One schema for the resource, the plugin and the CLI.
 */
export const CpuSelectionSchema = z.object({
  model: z
    .union([AutoModelSchema, CpuModelNameSchema])
    .describe("A QEMU CPU model, an alias ('Skylake-Client') or a versioned name ('Skylake-Client-v4'); 'auto' picks the newest model every host can enforce."),
  requiredFeatures: z
    .array(FeatureInputSchema)
    .default([])
    .describe('Features the guest must have (+feature). QEMU, /proc/cpuinfo and libvirt spellings are accepted.'),
  disabledFeatures: z.array(FeatureInputSchema).default([]).describe('Features the guest must not have (-feature).'),
  machineType: MachineTypeSchema.optional().describe(
    "The machine type VMs run with; an alias such as 'q35' is resolved on each host. Default: the architecture's, resolved on each host: q35 on x86_64, virt on aarch64.",
  ),
  accelerator: AcceleratorSchema.default('kvm'),
  minimumLevel: X86LevelSchema.optional().describe(
    'The lowest x86-64 level (x86-64-v1 to v4) the guest CPU must reach on every host; a CPU that falls short cannot be used, and the answer names the features it lacks. The baseline never goes below x86-64-v1 (64-bit).',
  ),
});
export type CpuSelection = z.infer<typeof CpuSelectionSchema>;

/** A selection whose feature names are QEMU's canonical ones and whose model is concrete. */
export interface NormalizedSelection {
  model: string;
  requiredFeatures: string[];
  disabledFeatures: string[];
  /** Absent: each host's architecture default (q35, virt). */
  machineType?: string;
  accelerator: CpuSelection['accelerator'];
}

/** The two feature-list inputs of a selection. */
export type FeatureField = 'requiredFeatures' | 'disabledFeatures';

/**
 * Canonicalize feature names. Returns every problem at once: unknown names
 * and features both required and disabled, with the input each is about
 * (problemFields, index for index).
 */
export function normalizeSelection(selection: CpuSelection & { model: string }): { selection: NormalizedSelection; problems: string[]; problemFields: FeatureField[] } {
  const problems: string[] = [];
  const problemFields: FeatureField[] = [];
  const canon = (names: readonly string[], field: FeatureField) => {
    const out: string[] = [];
    for (const name of names) {
      // Any architecture's names here: which one a host is, only its QEMU says (each host refuses what it does not know).
      const c = canonicalFeatureAnyArch(name);
      if (c === undefined) {
        problems.push(`${field}: ${JSON.stringify(name)} is not a CPU feature QEMU knows`);
        problemFields.push(field);
      }
      else if (!out.includes(c)) out.push(c);
    }
    return out;
  };
  const requiredFeatures = canon(selection.requiredFeatures, 'requiredFeatures');
  const disabledFeatures = canon(selection.disabledFeatures, 'disabledFeatures');
  for (const f of requiredFeatures) {
    if (disabledFeatures.includes(f)) {
      problems.push(`${f} is both required and disabled`);
      problemFields.push('requiredFeatures');
    }
  }
  return {
    selection: { model: selection.model, requiredFeatures, disabledFeatures, machineType: selection.machineType, accelerator: selection.accelerator },
    problems,
    problemFields,
  };
}

/**
 * {@link normalizeSelection}, for a service about to ask hosts: the
 * normalized selection, or one ConfigError naming every problem.
 *
 * @throws ConfigError for unknown feature names or features both required and disabled.
 */
export function requireValidSelection(selection: CpuSelection & { model: string }): NormalizedSelection {
  const { selection: normalized, problems, problemFields } = normalizeSelection(selection);
  if (problems.length > 0) {
    throw new ConfigError({ what: 'invalid CPU selection', why: problems.join('; '), hint: 'Use QEMU feature names (qemu-cpu probe lists them).', issues: problems, issueFields: problemFields });
  }
  return normalized;
}
