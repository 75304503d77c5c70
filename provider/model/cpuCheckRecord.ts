import type { CpuDefinitionInfo, CpuModelExpansion, MachineInfo, VersionInfo } from './qapi';
import type { Accelerator } from './qemuNames';

/** How the unavailable features of an exact CPU were learned. */
export type UnavailableSource =
  /** qom-get of the vCPU's `unavailable-features` property (QEMU ≥ 4.1). */
  | 'qom-unavailable-features'
  /** QEMU lacks that property: restarted with `enforce`, and QEMU's refusal on stderr named the features. */
  | 'enforce-stderr';

/** QEMU's raw answers about one exact CPU under one machine type. */
export interface CpuCheckRecord {
  binary: string;
  accelerator: Accelerator;
  /** The machine type as requested (may be an alias such as q35). */
  machineType: string;
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
  /** query-cpu-model-expansion type=static of the requested CPU under this machine type. */
  expansion: CpuModelExpansion;
  /** The same model expanded with the switches of the request's alsoExpand, in the same VM; absent unless asked. */
  alsoExpansion?: CpuModelExpansion;
}
