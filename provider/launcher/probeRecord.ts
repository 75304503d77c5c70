import type { CpuDefinitionInfo, CpuModelExpansion, KvmInfo, MachineInfo, TargetInfo, VersionInfo } from '../qmp';
import type { Accelerator } from './launchOptions';

/** QEMU's raw answers from one capability probe, each already validated against its QAPI schema. */
export interface QemuProbeRecord {
  /** Path of the QEMU binary used. */
  binary: string;
  /** The accelerator requested. */
  accelerator: Accelerator;
  /** 'none', or the machine type QEMU was started with. */
  machineType: string;
  /** query-version (or the greeting's version). */
  version: VersionInfo;
  /** query-target. */
  target: TargetInfo;
  /** query-kvm; null when this QEMU lacks the command. */
  kvm: KvmInfo | null;
  /** query-machines. */
  machines: MachineInfo[];
  /** query-cpu-definitions. */
  definitions: CpuDefinitionInfo[];
  /** query-cpu-model-expansion type=static of 'host' (KVM) or 'max' (TCG). */
  hostExpansion: CpuModelExpansion;
}
