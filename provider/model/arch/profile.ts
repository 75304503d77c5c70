import type { Architecture } from './architecture';
import type { HostCpu } from '../hostCpu';
import type { Accelerator } from '../qemuNames';

/**
 * How a fleet baseline is found (ArchProfile.baseline): 'named-models' (x86:
 * the newest named model every host runs, docs/baseline.md), or
 * 'host-model' (arm: the host model, host under KVM and max under TCG, with
 * the properties every host gives switched on and the others off).
 */
export const BASELINE_METHODS = ['named-models', 'host-model'] as const;
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

/**
 * Everything that differs between guest architectures, in one place: one
 * profile per QEMU target (x86_64.ts, aarch64.ts), picked from the host's
 * query-target. A new architecture is one more profile file (docs/architecture.md).
 */
export interface ArchProfile {
  readonly arch: Architecture;
  /** `uname -m` spellings of hosts of this architecture (their /proc/cpuinfo is this profile's to read). */
  readonly unameNames: readonly string[];
  /** The machine type a selection runs with when none is asked for, resolved on each host. */
  readonly defaultMachineType: string;
  /**
   * The query-cpu-model-expansion type that lists a model's features:
   * x86 has 'static'; arm has only 'full' ("The requested expansion type is not supported").
   */
  readonly expansionType: 'static' | 'full';
  /** The models whose start a probe checks with a paused VM, per accelerator. */
  readonly startChecked: Readonly<Record<Accelerator, readonly string[]>>;
  /**
   * Start-checked models that are another model's vCPU, per accelerator:
   * the paused VM of the value answers the key's start check too, so a
   * probe starts one VM for both (model/vcpuStartRecord.ts).
   */
  readonly startCheckedAs: Readonly<Record<Accelerator, Readonly<Record<string, string>>>>;
  /**
   * How QEMU reports what a CPU lacks on this host:
   * - 'unavailable-features': query-cpu-definitions' unavailable-features per
   *   model, and the vCPU's unavailable-features property (x86);
   * - 'start-refusal': nothing is listed (arm's query-cpu-definitions has no
   *   unavailable-features, its vCPU no such property); QEMU refuses at start
   *   a CPU or property it cannot give, so an exact check is a paused VM that
   *   starts or does not.
   */
  readonly missingReport: 'unavailable-features' | 'start-refusal';
  /** Why a model's usability is unknown, when QEMU does not report it (start-refusal profiles); null otherwise. */
  readonly usabilityNote: (accelerator: Accelerator) => string | null;
  /** Every QEMU feature name of this architecture, canonical spelling. */
  readonly features: ReadonlySet<string>;
  /** QEMU's canonical spelling of a feature name as a user, Linux or libvirt may write it; undefined when not one of `known`. */
  canonicalFeatureName(name: string, known?: ReadonlySet<string>): string | undefined;
  /** The QEMU feature a /proc/cpuinfo flag of this architecture stands for, if any. */
  cpuinfoFlagFeature(flag: string, known?: ReadonlySet<string>): string | undefined;
  /** Read the first processor of this architecture's /proc/cpuinfo. @throws RemoteCommandError naming every problem. */
  parseCpuinfo(cpuinfo: string, host?: string): HostCpu;
  /** How a fleet baseline is found: {@link BASELINE_METHODS}. */
  readonly baseline: BaselineMethod;
  /** The x86-64 micro-architecture levels apply (x86 only). */
  readonly hasLevels: boolean;
}
