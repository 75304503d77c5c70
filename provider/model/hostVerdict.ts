import { z } from 'zod';
import { CPU_REFUSAL_KINDS } from '../errors';
import type { CpuCheckRecord } from './cpuCheckRecord';
import { AcceleratorSchema } from './qemuNames';
import { BlockerSchema, blockerLayers, type Blocker, type LayerEvidence } from './blockerLayer';
import { expansionFeatureValues } from './capabilities';
import type { NormalizedSelection } from './cpuSelection';

/** One host's answer to "can you enforce this CPU?". */
export const HostVerdictSchema = z.object({
  name: z.string().describe('The host, as named in the inputs (or host[:port]).'),
  enforceable: z
    .boolean()
    .nullable()
    .describe('True when QEMU filtered nothing from the exact CPU; false when it cannot (missing features, or a refusal); null when the host could not be asked (see error).'),
  resolvedModel: z.string().nullable().describe("The concrete model the name resolved to for this machine type, e.g. 'Skylake-Client-v4'."),
  machineType: z.string().nullable().describe("The concrete machine type, e.g. 'pc-q35-7.2' for 'q35'."),
  missingFeatures: z.array(z.string()).describe('Features this host cannot give the guest, in QEMU spelling.'),
  blockers: z
    .array(BlockerSchema)
    .optional()
    .describe('Each missing feature with the layer that withholds it (cpu, kvm-or-qemu, qemu, machine-type, topology, undecided) and the evidence; absent when nothing is missing.'),
  qemuVersion: z.string().nullable().describe('QEMU version on the host, major.minor.micro.'),
  accelerator: AcceleratorSchema.describe('The accelerator the CPU was checked under.'),
  effectiveFeatures: z.array(z.string()).describe('Features the guest CPU gets on this host (QEMU static expansion minus what is missing).'),
  probedAt: z.string().describe('When the host was asked (ISO 8601).'),
  source: z
    .enum(['qom-unavailable-features', 'enforce-stderr'])
    .nullable()
    .describe("How the missing features were learned: the vCPU's unavailable-features, or (QEMU without it) QEMU's refusal under enforce."),
  error: z.string().optional().describe('Why the host could not be asked (unreachable, authentication, QEMU failure), or, with refusal, what its QEMU refused.'),
  refusal: z
    .object({
      kind: z
        .enum(CPU_REFUSAL_KINDS)
        .describe('What this QEMU refused: a CPU model it does not know, a CPU feature it does not know, a machine type it does not know, or (vcpu-start) a vCPU it could not start with this CPU.'),
      name: z.string().describe('The model, feature or machine type name QEMU refused (for vcpu-start, the model).'),
      qemuStderr: z.string().describe("QEMU's own words."),
    })
    .optional()
    .describe('Present when QEMU refused the CPU itself: a definite "cannot" (enforceable false), not "could not ask".'),
  fromCache: z
    .boolean()
    .optional()
    .describe(
      "True when this verdict came from qemu-cpu's fingerprint cache: the host's facts were read now and matched " +
        '(QEMU binary, kernel, CPU microcode and flags, /dev/kvm, kvm parameters), so no VM was started again; ' +
        'probedAt is when QEMU last answered. Absent when QEMU answered this time.',
    ),
});
export type HostVerdict = z.infer<typeof HostVerdictSchema>;

/**
 * Pure: what one exact-CPU check says about a selection. `evidence` (the
 * host's /proc/cpuinfo and its -machine none probe) attributes each missing
 * feature to a layer; without it they are undecided.
 */
export function evaluateCpuCheck(name: string, record: CpuCheckRecord, selection: NormalizedSelection, probedAt: string, evidence?: LayerEvidence): HostVerdict {
  const machine =
    record.machines.find((m) => m.name === selection.machineType) ?? record.machines.find((m) => m.alias === selection.machineType);
  const definition = record.definitions?.find((d) => d.name === selection.model);
  const missing = [...record.unavailable];
  const effective = [...expansionFeatureValues(record.expansion)]
    .filter(([f, on]) => on && !missing.includes(f))
    .map(([f]) => f)
    .sort();
  return {
    name,
    enforceable: missing.length === 0,
    // Legacy machine types (before pc-*-4.1) resolve aliases to legacy definitions and report no alias-of.
    resolvedModel: definition?.['alias-of'] ?? selection.model,
    machineType: machine?.name ?? selection.machineType,
    missingFeatures: missing,
    ...(missing.length > 0 ? { blockers: blockerLayers(missing, evidence ?? { accelerator: record.accelerator }) } : {}),
    qemuVersion: `${record.version.qemu.major}.${record.version.qemu.minor}.${record.version.qemu.micro}`,
    accelerator: record.accelerator,
    effectiveFeatures: effective,
    probedAt,
    source: record.unavailableSource,
  };
}

/** A verdict for a host that could not be asked. Undecided, never "not enforceable". */
export function undecidedVerdict(name: string, selection: Pick<NormalizedSelection, 'accelerator'>, error: string, probedAt: string): HostVerdict {
  return {
    name,
    enforceable: null,
    resolvedModel: null,
    machineType: null,
    missingFeatures: [],
    qemuVersion: null,
    accelerator: selection.accelerator,
    effectiveFeatures: [],
    probedAt,
    source: null,
    error,
  };
}

/**
 * A verdict for a host whose QEMU refused the CPU itself (an unknown model or
 * feature): the host was asked and answered "cannot". An unknown feature is
 * also a feature this host cannot give.
 */
export function refusedVerdict(
  name: string,
  selection: Pick<NormalizedSelection, 'accelerator' | 'model' | 'machineType'>,
  refusal: NonNullable<HostVerdict['refusal']>,
  message: string,
  probedAt: string,
): HostVerdict {
  return {
    ...undecidedVerdict(name, selection, message, probedAt),
    enforceable: false,
    missingFeatures: refusal.kind === 'unknown-feature' ? [refusal.name] : [],
    ...(refusal.kind === 'unknown-feature' ? { blockers: [{ feature: refusal.name, layer: 'qemu', evidence: 'this QEMU does not know the feature' } satisfies Blocker] } : {}),
    refusal: { kind: refusal.kind, name: refusal.name, qemuStderr: refusal.qemuStderr },
  };
}

/** Why a host cannot enforce the CPU, in words: its refusal, or the features it is missing, each with its layer where known. */
export function cannotReason(verdict: Pick<HostVerdict, 'missingFeatures' | 'refusal' | 'blockers'>): string {
  if (verdict.refusal?.kind === 'unknown-model') return `its QEMU does not know CPU model ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'unknown-feature') return `its QEMU does not know CPU feature ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'unknown-machine-type') return `its QEMU does not know machine type ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'vcpu-start') return `a VM with it does not start (${verdict.refusal.qemuStderr})`;
  const layerOf = new Map((verdict.blockers ?? []).map((b) => [b.feature, b.layer]));
  return `missing ${verdict.missingFeatures.map((f) => (layerOf.has(f) ? `${f} (${layerOf.get(f)})` : f)).join(', ')}`;
}

/**
 * Pure: sharpen kvm-or-qemu to qemu where the fleet proves it: another QEMU
 * on the same machine (same `machineOf` key, another version) gives the
 * guest the feature, so this QEMU, not KVM, is what withholds it.
 */
export function attributeAcrossQemus(verdicts: readonly HostVerdict[], machineOf: readonly string[]): HostVerdict[] {
  return verdicts.map((v, i) => {
    if (!v.blockers?.some((b) => b.layer === 'kvm-or-qemu')) return v;
    const blockers = v.blockers.map((b) => {
      if (b.layer !== 'kvm-or-qemu') return b;
      const giver = verdicts.find((o, j) => j !== i && machineOf[j] === machineOf[i] && o.qemuVersion !== null && o.qemuVersion !== v.qemuVersion && o.effectiveFeatures.includes(b.feature));
      return giver ? { ...b, layer: 'qemu' as const, evidence: `${b.evidence}; QEMU ${giver.qemuVersion} on the same host (${giver.name}) gives it` } : b;
    });
    return { ...v, blockers };
  });
}
