import type { CpuDefinitionInfo, CpuModelExpansion, MachineInfo, VersionInfo } from './qapi';
import type { Accelerator } from './qemuNames';
import type { Architecture } from './arch';

/**
 * How the unavailable features of an exact CPU were learned:
 * - qom-unavailable-features: qom-get of the vCPU's `unavailable-features` property (x86, QEMU ≥ 4.1);
 * - enforce-stderr: QEMU lacks that property: restarted with `enforce`, and QEMU's refusal on stderr named the features;
 * - vm-start: the architecture's QEMU lists none (aarch64): it refuses at start what it cannot give, so a VM that starts lacks nothing.
 */
export const UNAVAILABLE_SOURCES = ['qom-unavailable-features', 'enforce-stderr', 'vm-start'] as const;
export type UnavailableSource = (typeof UNAVAILABLE_SOURCES)[number];

/** QEMU's raw answers about one exact CPU under one machine type. */
export interface CpuCheckRecord {
  binary: string;
  accelerator: Accelerator;
  /** The machine type as requested (may be an alias such as q35), the architecture's default when none was. */
  machineType: string;
  /** query-target: the guest architecture. */
  arch: Architecture;
  version: VersionInfo;
  /** query-machines, to resolve machine-type aliases. */
  machines: MachineInfo[];
  /** query-cpu-definitions under this machine type (alias-of depends on it); not asked for a model name that is never an alias (see namesItself). */
  definitions?: CpuDefinitionInfo[];
  /** The -cpu argument the VM was started with (no enforce). */
  cpuArg: string;
  /** Feature names QEMU filtered out of that vCPU: empty means enforceable. */
  unavailable: string[];
  unavailableSource: UnavailableSource;
  /** query-cpu-model-expansion of the requested CPU under this machine type (static on x86, full on aarch64). */
  expansion: CpuModelExpansion;
  /** The same model expanded with the switches of the request's alsoExpand, in the same VM; absent unless asked. */
  alsoExpansion?: CpuModelExpansion;
}
