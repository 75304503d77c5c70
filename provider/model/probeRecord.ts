/** The launcher's raw QEMU answers are this layer's input. */
export type { QemuProbeRecord } from '../launcher/probeRecord';

/** Facts about the host read outside QEMU; each is optional. */
export interface HostFactsInput {
  /** `uname -r`. */
  kernelRelease?: string;
  /** Raw /proc/cpuinfo text. */
  cpuinfo?: string;
}
