import { z } from 'zod';
import type { CpuDefinitionInfo, CpuModelExpansion, MachineInfo } from './qapi';
import type { VcpuStartRecord } from './vcpuStartRecord';
import { BlockerSchema, blockerLayers } from './blockerLayer';
import { parseCpuinfo } from './cpuinfo';
import { HostCpuSchema } from './hostCpu';
import { AcceleratorSchema } from './qemuNames';
import { normalizeFeatureList } from './featureNames';
import { archProfile, ArchitectureSchema, requireTargetProfile, type ArchProfile } from './arch';
import type { HostFactsInput, QemuProbeRecord } from './probeRecord';

const featureList = (what: string) => z.array(z.string().min(1)).describe(what);

export { HostCpuSchema, type HostCpu } from './hostCpu';

/**
 * What one QEMU on one host can give a guest: the single source of the
 * capabilities type, of the JSON output and of the Pulumi schema.
 */
export const HostCapabilitiesSchema = z
  .object({
    host: z.string().min(1).describe('Label of the probed host (connection name or host[:port]).'),
    probedAt: z.string().datetime({ offset: true }).describe('When the probe ran, ISO 8601.'),
    qemu: z
      .object({
        binary: z.string().min(1).describe('Path of the QEMU binary that answered.'),
        version: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/)
          .describe('QEMU version as major.minor.micro, e.g. "7.2.22"; development snapshots have micro >= 50.'),
        package: z.string().describe('QEMU package string (distribution build or git describe); may be empty.'),
      })
      .describe('The QEMU that answered.'),
    arch: ArchitectureSchema.describe('QEMU target architecture (query-target): the guest\'s, "x86_64" or "aarch64"; under TCG it need not be the host CPU\'s (hostCpu.arch).'),
    accelerator: AcceleratorSchema.describe('Accelerator actually in use: "kvm" only when KVM is enabled in this QEMU, else "tcg" (emulation).'),
    kvm: z
      .object({
        present: z.boolean().describe('KVM support is compiled into QEMU and /dev/kvm was found.'),
        enabled: z.boolean().describe('KVM is the accelerator in use.'),
      })
      .nullable()
      .describe('query-kvm; null when this QEMU did not answer it.'),
    kernelRelease: z.string().nullable().describe('The host kernel release (uname -r); null when not gathered.'),
    hostCpu: HostCpuSchema.nullable().describe('The host CPU from /proc/cpuinfo; null when not gathered.'),
    machineType: z.string().min(1).describe('Machine type QEMU ran with while probing ("none" or e.g. "q35").'),
    hostModel: z
      .object({
        name: z
          .enum(['host', 'max'])
          .describe('The model expanded: "host" (all the host offers, under KVM) or "max" (all TCG emulates).'),
        features: featureList(
          'Canonical QEMU names of the features the model enables (boolean true in its expansion: static on x86, full on aarch64), sorted.',
        ),
        vendor: z.string().optional().describe('CPUID vendor the model reports.'),
        family: z.number().int().optional().describe('CPUID family the model reports.'),
        model: z.number().int().optional().describe('CPUID model the model reports.'),
        stepping: z.number().int().optional().describe('CPUID stepping the model reports.'),
        modelId: z.string().optional().describe('CPUID brand string the model reports, trailing spaces removed.'),
      })
      .describe('The richest CPU a guest can get from this QEMU on this host.'),
    models: z
      .array(
        z
          .object({
            name: z.string().min(1).describe('Model name as QEMU spells it (e.g. "Skylake-Client-v4").'),
            aliasOf: z
              .string()
              .nullable()
              .describe('The versioned model this name resolves to (e.g. "Skylake-Client-v1"); null if none.'),
            usable: z
              .boolean()
              .nullable()
              .describe('A guest can run this model here: QEMU reported no unavailable features for it, and, where its start was checked (vcpuStart), a VM with it starts. Null when QEMU does not say (aarch64 lists no unavailable-features; see usabilityNote) and no start was checked: `qemu-cpu check` answers with a paused VM.'),
            blockers: featureList(
              'QEMU property names that keep the model from running here (its unavailable-features), de-duplicated, in QEMU order.',
            ),
            deprecated: z.boolean().describe('QEMU marks the model deprecated.'),
            migrationSafe: z.boolean().describe('QEMU marks the model migration-safe.'),
            vcpuStart: z
              .object({
                machineType: z.string().describe('The machine type of the paused VM.'),
                cpu: z
                  .string()
                  .min(1)
                  .describe("The -cpu of the paused VM: the model itself, or the model whose vCPU it is (max under KVM on x86 runs as host: QEMU's host is max, one VM answers both)."),
                starts: z
                  .boolean()
                  .nullable()
                  .describe('True: the vCPU was created; false: QEMU aborted or refused creating it (then usable is false); null: QEMU failed otherwise, nothing learned.'),
                qemuStderr: z.string().nullable().describe("QEMU's own lines when starts is false."),
              })
              .optional()
              .describe('Present for the models whose start was checked (host and max, with the probe start check): one paused VM with just this model, or with the model whose vCPU it is (cpu).'),
          })
          .describe('One named CPU model QEMU offers.'),
      )
      .describe('Every CPU model QEMU lists (including host, max and base), in QEMU order.'),
    machines: z
      .array(
        z
          .object({
            name: z.string().min(1).describe('Machine type name, e.g. "pc-q35-9.1".'),
            alias: z.string().nullable().describe('Short alias of this machine type (e.g. "q35"); null if none.'),
            isDefault: z.boolean().describe('QEMU uses this machine type when none is given.'),
            deprecated: z.boolean().describe('QEMU marks the machine type deprecated.'),
          })
          .describe('One machine type QEMU offers.'),
      )
      .describe('Every machine type QEMU lists, in QEMU order.'),
    usabilityNote: z
      .string()
      .nullable()
      .optional()
      .describe("Why some models' usable is null, for architectures whose QEMU does not report usability (aarch64); absent or null otherwise."),
    notExposable: featureList(
      'Canonical names of features the host CPU reports (cpuinfo flags) that QEMU knows but cannot give any guest here ' +
        '(false in the host model), sorted; empty when cpuinfo was not gathered.',
    ),
    blockers: z
      .array(BlockerSchema)
      .optional()
      .describe(
        'Every feature some model lacks here (models[].blockers) or the host CPU reports but no guest gets (notExposable), ' +
          'with the layer that withholds it (cpu, kvm-or-qemu, qemu, machine-type, topology, undecided) and the evidence.',
      ),
    fromCache: z
      .boolean()
      .optional()
      .describe(
        "True when this answer came from qemu-cpu's fingerprint cache: the host's facts were read now and matched " +
          '(QEMU binary, kernel, CPU microcode and flags, /dev/kvm, kvm parameters), so QEMU was not started again; ' +
          'probedAt is when QEMU last answered. Absent when QEMU answered this time.',
      ),
  })
  .describe("One QEMU's answer about the guest CPUs a host can provide.");
export type HostCapabilities = z.infer<typeof HostCapabilitiesSchema>;
export type CpuModelCapability = HostCapabilities['models'][number];
export type MachineCapability = HostCapabilities['machines'][number];
export type HostModel = HostCapabilities['hostModel'];

/** What {@link buildCapabilities} works from. */
export interface BuildCapabilitiesInput {
  /** Label of the probed host. */
  host: string;
  /** When the probe ran, ISO 8601. */
  probedAt: string;
  /** QEMU's answers. */
  probe: QemuProbeRecord;
  /** Facts read from the host outside QEMU. */
  facts: HostFactsInput;
}

/** The boolean props of a static expansion; those are QEMU's feature flags. */
export function expansionFeatureValues(expansion: CpuModelExpansion): Map<string, boolean> {
  const values = new Map<string, boolean>();
  for (const [name, value] of Object.entries(expansion.model.props ?? {})) {
    if (typeof value === 'boolean') values.set(name, value);
  }
  return values;
}

function hostModel(name: 'host' | 'max', expansion: CpuModelExpansion): HostModel {
  const props = expansion.model.props ?? {};
  const features = [...expansionFeatureValues(expansion)]
    .filter(([, on]) => on)
    .map(([feature]) => feature)
    .sort();
  const model: HostModel = { name, features };
  if (typeof props.vendor === 'string') model.vendor = props.vendor;
  if (typeof props.family === 'number') model.family = props.family;
  if (typeof props.model === 'number') model.model = props.model;
  if (typeof props.stepping === 'number') model.stepping = props.stepping;
  if (typeof props['model-id'] === 'string') model.modelId = props['model-id'].trimEnd();
  return model;
}

/**
 * A model is usable when QEMU lists no unavailable features for it. Where
 * the architecture's QEMU reports none (aarch64), usability is unknown
 * (null) until a VM is started with it. On x86 QEMU always lists them; an
 * x86 entry without the list counts as not usable.
 */
function cpuModel(def: CpuDefinitionInfo, profile: ArchProfile): CpuModelCapability {
  const unavailable = def['unavailable-features'];
  const usable = profile.missingReport === 'start-refusal' && unavailable === undefined ? null : unavailable !== undefined && unavailable.length === 0;
  return {
    name: def.name,
    aliasOf: def['alias-of'] ?? null,
    usable,
    blockers: [...new Set(unavailable ?? [])],
    deprecated: def.deprecated ?? false,
    migrationSafe: def['migration-safe'] ?? false,
  };
}

function machine(info: MachineInfo): MachineCapability {
  return {
    name: info.name,
    alias: info.alias ?? null,
    isDefault: info['is-default'] ?? false,
    deprecated: info.deprecated ?? false,
  };
}

/**
 * Canonical names of the features the host CPU has (per cpuinfo flags) that
 * the expansion knows but leaves off: no guest on this host can get them.
 *
 * @param cpuinfoFlags - cpuinfo flags as Linux spells them.
 * @param expansion - the static expansion of 'host' (or 'max').
 * @returns sorted canonical names.
 */
export function notExposableFeatures(cpuinfoFlags: Iterable<string>, expansion: CpuModelExpansion, profile: ArchProfile = archProfile('x86_64')): string[] {
  const values = expansionFeatureValues(expansion);
  const known = new Set(values.keys());
  const off = new Set<string>();
  for (const flag of cpuinfoFlags) {
    const feature = profile.cpuinfoFlagFeature(flag, known);
    if (feature !== undefined && values.get(feature) === false) off.add(feature);
  }
  return [...off].sort();
}

/**
 * The capabilities of one QEMU on one host, from the raw probe. Pure.
 *
 * The accelerator is "kvm" when query-kvm reports KVM enabled. When QEMU gave
 * no query-kvm answer, the requested accelerator stands: QEMU started with
 * accel=kvm alone exits rather than fall back to TCG.
 *
 * @throws RemoteCommandError (stage 'host-facts') when facts.cpuinfo is given but unreadable;
 *   QemuLaunchError when QEMU's target is an architecture qemu-cpu has no profile for.
 */
export function buildCapabilities(input: BuildCapabilitiesInput): HostCapabilities {
  const { probe, facts } = input;
  const { major, minor, micro } = probe.version.qemu;
  const profile = requireTargetProfile(probe.target.arch, input.host);
  const kvmInUse = probe.kvm === null ? probe.accelerator === 'kvm' : probe.accelerator === 'kvm' && probe.kvm.enabled;
  const hostCpu = facts.cpuinfo === undefined ? null : parseCpuinfo(facts.cpuinfo, input.host, facts.uname);
  const models = probe.definitions.map((d) => cpuModel(d, profile));
  // The host CPU says something about the guest only when it is the guest's architecture (not a TCG cross-emulation).
  const sameArch = hostCpu !== null && hostCpu.arch === profile.arch;
  const notExposable = sameArch ? notExposableFeatures(hostCpu.flags, probe.hostExpansion, profile) : [];
  const hostFeatures = hostModel(probe.accelerator === 'kvm' ? 'host' : 'max', probe.hostExpansion);
  const blocked = [...new Set([...models.flatMap((m) => m.blockers), ...notExposable])];
  const blockers = blockerLayers(blocked, {
    accelerator: probe.accelerator,
    cpuinfoFlags: sameArch ? hostCpu.flags : undefined,
    // Under a real machine type the host model may carry its compat properties: not the -machine none evidence.
    hostModelUnderNone: probe.machineType === 'none' ? hostFeatures.features : undefined,
  });
  return {
    host: input.host,
    probedAt: input.probedAt,
    qemu: { binary: probe.binary, version: `${major}.${minor}.${micro}`, package: probe.version.package.trim() },
    arch: profile.arch,
    accelerator: kvmInUse ? 'kvm' : 'tcg',
    kvm: probe.kvm === null ? null : { present: probe.kvm.present, enabled: probe.kvm.enabled },
    kernelRelease: facts.kernelRelease?.trim() || null,
    hostCpu,
    machineType: probe.machineType,
    hostModel: hostFeatures,
    models,
    machines: probe.machines.map(machine),
    ...(profile.missingReport === 'start-refusal' ? { usabilityNote: profile.usabilityNote(probe.accelerator) } : {}),
    notExposable,
    blockers,
  };
}

/** How a wanted feature list compares with what a host can give. */
export interface FeatureGap {
  /** Wanted features the host model enables (canonical). */
  available: string[];
  /** Wanted features no guest on this host gets (canonical). */
  missing: string[];
  /** The subset of `missing` the host CPU itself has, which QEMU/KVM does not pass on. */
  withheld: string[];
  /** Wanted names that are not QEMU CPU features, as given. */
  unknown: string[];
}

/**
 * Compare the features a guest wants with what the host model offers.
 *
 * @param caps - the host's capabilities.
 * @param wanted - feature names in any spelling {@link canonicalFeatureName} accepts.
 */
export function featureGap(caps: HostCapabilities, wanted: Iterable<string>): FeatureGap {
  const offered = new Set(caps.hostModel.features);
  const profile = archProfile(caps.arch);
  const known = new Set([...profile.features, ...offered]);
  const { canonical, unknown } = normalizeFeatureList(wanted, known, profile);
  const withheldAll = new Set(caps.notExposable);
  const available = canonical.filter((f) => offered.has(f));
  const missing = canonical.filter((f) => !offered.has(f));
  return { available, missing, withheld: missing.filter((f) => withheldAll.has(f)), unknown };
}

/**
 * The capabilities with each checked model's start: a model QEMU lists as
 * usable whose vCPU does not start is not usable. Pure.
 */
export function withVcpuStarts(caps: HostCapabilities, starts: readonly VcpuStartRecord[]): HostCapabilities {
  const byModel = new Map(starts.map((s) => [s.model, s]));
  return {
    ...caps,
    models: caps.models.map((m) => {
      const start = byModel.get(m.name);
      if (!start) return m;
      const vcpuStart = { machineType: start.machineType, cpu: start.cpu, starts: start.starts, qemuStderr: start.qemuStderr };
      // A start that succeeds settles a usability QEMU did not report (aarch64); one that fails settles it either way.
      const usable = start.starts === false ? false : m.usable === null && start.starts === true ? true : m.usable;
      return { ...m, usable, vcpuStart };
    }),
  };
}
