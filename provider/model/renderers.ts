/**
 * How a selected CPU is written for QEMU: its -cpu argument, which pins the
 * concrete model and forbids silent fallback (enforce), so a host that cannot
 * provide the CPU refuses to start the VM instead of quietly giving it less.
 * libvirt's XML for the same CPU is libvirtCpu.ts.
 */

/** `Skylake-Client-v4,+avx2,-hle,enforce`: the exact CPU, refused by QEMU at start if a host cannot provide it. */
export function renderQemuCpuArg(model: string, required: readonly string[], disabled: readonly string[]): string {
  return [model, ...required.map((f) => `+${f}`), ...disabled.map((f) => `-${f}`), 'enforce'].join(',');
}
