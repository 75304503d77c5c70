/** One model's start check: whether a paused VM with it got its vCPU. */
export interface VcpuStartRecord {
  model: string;
  /** The machine type the VM had. */
  machineType: string;
  /** True: QEMU created the vCPU and answered QMP; false: it aborted or refused (qemuStderr says how); null: QEMU failed for another reason, so nothing was learned. */
  starts: boolean | null;
  /** QEMU's own stderr lines when starts is false; else null. */
  qemuStderr: string | null;
}
