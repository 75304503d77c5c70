/** One model's start check: whether a paused VM with it got its vCPU. */
export interface VcpuStartRecord {
  model: string;
  /** The -cpu of the paused VM: the model itself, or the model whose vCPU it is (ArchProfile.startCheckedAs: max under KVM runs as host). */
  cpu: string;
  /** The machine type the VM had. */
  machineType: string;
  /** True: QEMU created the vCPU and answered QMP; false: it aborted or refused (qemuStderr says how); null: QEMU failed for another reason, so nothing was learned. */
  starts: boolean | null;
  /** QEMU's own stderr lines when starts is false; else null. */
  qemuStderr: string | null;
}

/**
 * The -cpu values whose paused VMs answer the start checks of `models`: one
 * per distinct vCPU, `sameAs` (a profile's startCheckedAs) mapping a model
 * onto the one whose VM answers it. Pure.
 */
export function startCheckCpus(models: readonly string[], sameAs: Readonly<Record<string, string>>): string[] {
  return [...new Set(models.map((m) => sameAs[m] ?? m))];
}

/** Each of `models`' start records, from the records of the VMs {@link startCheckCpus} named (by their cpu). Pure. */
export function startRecordsOf(models: readonly string[], sameAs: Readonly<Record<string, string>>, vms: readonly VcpuStartRecord[]): VcpuStartRecord[] {
  const byCpu = new Map(vms.map((r) => [r.cpu, r]));
  return models.flatMap((model) => {
    const vm = byCpu.get(sameAs[model] ?? model);
    return vm ? [{ ...vm, model }] : [];
  });
}
