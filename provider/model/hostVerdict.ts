import { z } from 'zod';
import { CPU_REFUSAL_KINDS, ERROR_KINDS, STAGES, type Problem } from '../errors';
import type { CpuCheckRecord } from './cpuCheckRecord';
import { AcceleratorSchema } from './qemuNames';
import { ArchitectureSchema } from './arch';
import { UNAVAILABLE_SOURCES } from './cpuCheckRecord';
import { BlockerSchema, blockerLayers, type Blocker, type LayerEvidence } from './blockerLayer';
import { expansionFeatureValues } from './capabilities';
import type { NormalizedSelection } from './cpuSelection';

/** A host's answer: it can enforce the CPU, it cannot (missing features, or its QEMU refused), or it could not be asked. */
export const OUTCOMES = ['can', 'cannot', 'undecided'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why a host cannot, or could not be asked: a refusal's kind, missing features, or the error's kind (provider/errors). */
export const VERDICT_KINDS = [...CPU_REFUSAL_KINDS, 'missing-features', ...ERROR_KINDS] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** One host's answer to "can you enforce this CPU?". */
export const HostVerdictSchema = z.object({
  name: z.string().describe('The host, as named in the inputs (or host[:port]).'),
  outcome: z
    .enum(OUTCOMES)
    .describe("can: QEMU filtered nothing from the exact CPU; cannot: missing features or a refusal (see kind); undecided: the host could not be asked (see stage, kind and message)."),
  stage: z
    .enum(STAGES)
    .optional()
    .describe("Where the answer other than can arose: the stage that failed (connect, auth, launch, ...), or 'evaluate' for missing features. Absent when the outcome is can."),
  kind: z
    .enum(VERDICT_KINDS)
    .optional()
    .describe('Why the outcome is not can: a refusal (unknown-model, unknown-feature, unknown-machine-type, vcpu-start, cpu-properties), missing-features, or the kind of error that kept the host from being asked (connection, authentication, timeout, ...). Absent when the outcome is can.'),
  message: z.string().optional().describe('The same in words, "host: what (stage): why. hint". Absent when the outcome is can.'),
  qemuStderr: z.string().optional().describe("QEMU's own stderr lines, when QEMU said something about a refusal or a failure."),
  enforceable: z
    .boolean()
    .nullable()
    .describe('Derived from outcome, for compatibility: true for can, false for cannot, null for undecided.'),
  resolvedModel: z.string().nullable().describe("The concrete model the name resolved to for this machine type, e.g. 'Skylake-Client-v4'."),
  machineType: z.string().nullable().describe("The concrete machine type, e.g. 'pc-q35-7.2' for 'q35'."),
  missingFeatures: z.array(z.string()).describe('Features this host cannot give the guest, in QEMU spelling.'),
  blockers: z
    .array(BlockerSchema)
    .optional()
    .describe('Each missing feature with the layer that withholds it (cpu, kvm-or-qemu, qemu, machine-type, topology, undecided) and the evidence; absent when nothing is missing.'),
  qemuVersion: z.string().nullable().describe('QEMU version on the host, major.minor.micro.'),
  accelerator: AcceleratorSchema.describe('The accelerator the CPU was checked under.'),
  arch: ArchitectureSchema.optional().describe("The guest architecture of the host's QEMU (query-target), where QEMU answered: 'x86_64' or 'aarch64'."),
  effectiveFeatures: z.array(z.string()).describe('Features the guest CPU gets on this host (QEMU static expansion minus what is missing).'),
  probedAt: z.string().describe('When the host was asked (ISO 8601).'),
  source: z
    .enum(UNAVAILABLE_SOURCES)
    .nullable()
    .describe("How the missing features were learned: the vCPU's unavailable-features, (QEMU without it) QEMU's refusal under enforce, or (vm-start: aarch64, whose QEMU lists none) the paused VM starting at all."),
  error: z.string().optional().describe('Derived, for compatibility: message, where the host could not be asked or its QEMU refused (absent for missing features).'),
  refusal: z
    .object({
      kind: z
        .enum(CPU_REFUSAL_KINDS)
        .describe('What this QEMU refused: a CPU model it does not know, a CPU feature it does not know, a machine type it does not know, (vcpu-start) a vCPU it could not start with this CPU, or (cpu-properties) the CPU properties, refused at start.'),
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
 * A verdict as stored earlier (the resource's state, the fingerprint
 * cache): one written before verdicts had `outcome` gets it from its
 * `enforceable`, and stage, kind and message from its refusal or missing
 * features; an old undecided one keeps its error as message, with no stage
 * or kind (they were never data, and words are not read back). Its
 * `enforceable` stays as stored, so a contradiction is still seen.
 */
export const StoredHostVerdictSchema = z.preprocess(upgradeVerdict, HostVerdictSchema);

function upgradeVerdict(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || 'outcome' in value) return value;
  const old = value as Partial<HostVerdict>;
  if (old.enforceable === true) return { ...old, outcome: 'can' };
  if (old.enforceable === null) return { ...old, outcome: 'undecided', ...(old.error !== undefined ? { message: old.error } : {}) };
  if (old.enforceable !== false || typeof old.name !== 'string') return value;
  if (old.refusal) return { ...old, outcome: 'cannot', stage: 'launch', kind: old.refusal.kind, message: old.error ?? old.refusal.qemuStderr, qemuStderr: old.refusal.qemuStderr };
  if (!Array.isArray(old.missingFeatures) || old.missingFeatures.length === 0) return { ...old, outcome: 'cannot' };
  return { ...withAnswerOutcome(old as HostVerdict), enforceable: false };
}

/**
 * Pure: what one exact-CPU check says about a selection. `evidence` (the
 * host's /proc/cpuinfo and its -machine none probe) attributes each missing
 * feature to a layer; without it they are undecided.
 */
export function evaluateCpuCheck(name: string, record: CpuCheckRecord, selection: NormalizedSelection, probedAt: string, evidence?: LayerEvidence): HostVerdict {
  const machine = record.machines.find((m) => m.name === record.machineType) ?? record.machines.find((m) => m.alias === record.machineType);
  const definition = record.definitions?.find((d) => d.name === selection.model);
  const missing = [...record.unavailable];
  const effective = [...expansionFeatureValues(record.expansion)]
    .filter(([f, on]) => on && !missing.includes(f))
    .map(([f]) => f)
    .sort();
  return withAnswerOutcome({
    name,
    outcome: missing.length === 0 ? 'can' : 'cannot',
    enforceable: missing.length === 0,
    // Legacy machine types (before pc-*-4.1) resolve aliases to legacy definitions and report no alias-of.
    resolvedModel: definition?.['alias-of'] ?? selection.model,
    machineType: machine?.name ?? record.machineType,
    missingFeatures: missing,
    ...(missing.length > 0 ? { blockers: blockerLayers(missing, evidence ?? { accelerator: record.accelerator }) } : {}),
    qemuVersion: `${record.version.qemu.major}.${record.version.qemu.minor}.${record.version.qemu.micro}`,
    accelerator: record.accelerator,
    arch: record.arch,
    effectiveFeatures: effective,
    probedAt,
    source: record.unavailableSource,
  });
}

/**
 * An answered verdict (QEMU said can, or named what is missing) with its
 * outcome, stage, kind and message made from its data again: the
 * fingerprint cache serves stored verdicts through this, so entries written
 * before these fields existed, or under another host name, read the same
 * as fresh ones.
 */
export function withAnswerOutcome(verdict: HostVerdict): HostVerdict {
  const { outcome: _o, stage: _s, kind: _k, message: _m, ...rest } = verdict;
  if (verdict.missingFeatures.length === 0) return { ...rest, outcome: 'can', enforceable: true };
  return {
    ...rest,
    outcome: 'cannot',
    enforceable: false,
    stage: 'evaluate',
    kind: 'missing-features',
    message: `${verdict.name}: QEMU cannot give the guest the whole CPU (evaluate): ${cannotReason(verdict)}.`,
  };
}

/** A verdict for a host that could not be asked, with the problem as data. Undecided, never "not enforceable". */
export function undecidedVerdict(name: string, selection: Pick<NormalizedSelection, 'accelerator'>, problem: Problem, probedAt: string): HostVerdict {
  return {
    name,
    outcome: 'undecided',
    stage: problem.stage,
    kind: problem.kind,
    message: problem.message,
    ...(problem.qemuStderr ? { qemuStderr: problem.qemuStderr } : {}),
    enforceable: null,
    resolvedModel: null,
    machineType: null,
    missingFeatures: [],
    qemuVersion: null,
    accelerator: selection.accelerator,
    effectiveFeatures: [],
    probedAt,
    source: null,
    error: problem.message,
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
    ...undecidedVerdict(name, selection, { stage: 'launch', kind: 'cpu-refused', message, qemuStderr: refusal.qemuStderr }, probedAt),
    outcome: 'cannot',
    kind: refusal.kind,
    enforceable: false,
    missingFeatures: refusal.kind === 'unknown-feature' ? [refusal.name] : [],
    ...(refusal.kind === 'unknown-feature' ? { blockers: [{ feature: refusal.name, layer: 'qemu', evidence: 'this QEMU does not know the feature' } satisfies Blocker] } : {}),
    refusal: { kind: refusal.kind, name: refusal.name, qemuStderr: refusal.qemuStderr },
  };
}

/**
 * Why a host cannot enforce the CPU, in words: its refusal, or the features
 * it is missing, each with its layer where known; otherwise (no-baseline: no
 * model is common to the fleet) the verdict's own message.
 */
export function cannotReason(verdict: Pick<HostVerdict, 'message' | 'missingFeatures' | 'refusal' | 'blockers'>): string {
  if (verdict.refusal?.kind === 'unknown-model') return `its QEMU does not know CPU model ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'unknown-feature') return `its QEMU does not know CPU feature ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'unknown-machine-type') return `its QEMU does not know machine type ${verdict.refusal.name}`;
  if (verdict.refusal?.kind === 'vcpu-start') return `a VM with it does not start (${verdict.refusal.qemuStderr})`;
  if (verdict.refusal?.kind === 'cpu-properties') return `its QEMU refuses the CPU at start (${verdict.refusal.qemuStderr})`;
  // Nothing missing and no refusal (no-baseline: no model is common to the fleet): the verdict's own words.
  if (verdict.missingFeatures.length === 0) return verdict.message ?? 'QEMU gave no reason';
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
