import type { CpuDefinitionInfo, CpuModelExpansion, KvmInfo, MachineInfo, TargetInfo, VersionInfo } from './qapi';
import type { Accelerator } from './qemuNames';

/** QEMU's raw answers from one capability probe, each already validated against its QAPI schema: the launcher's output, this layer's input. */
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
  /** query-cpu-model-expansion of 'host' (KVM) or 'max' (TCG), of the type the target's profile uses (static on x86, full on aarch64). */
  hostExpansion: CpuModelExpansion;
}

/** Facts about the host read outside QEMU; each is optional. */
export interface HostFactsInput {
  /** `uname -r`. */
  kernelRelease?: string;
  /** Raw /proc/cpuinfo text. */
  cpuinfo?: string;
  /** `uname -m`: which architecture's /proc/cpuinfo it is (x86's when absent). */
  uname?: string;
}
