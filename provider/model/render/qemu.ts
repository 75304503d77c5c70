/**
 * How a selected CPU is written for QEMU: its -cpu argument, which pins the
 * concrete model and forbids silent fallback (enforce), so a host that cannot
 * provide the CPU refuses to start the VM instead of quietly giving it less.
 * The one place a -cpu string is built.
 */
import { z } from 'zod';
import type { Architecture } from '../arch/architecture';
import { defineRenderer } from './renderer';

/**
 * `Skylake-Client-v4,+avx2,-hle`: a model and its feature switches, without
 * enforce (what the ground truth launches). aarch64 writes `max,sve=on,pauth=off`:
 * its -cpu parser takes key=value only ("Expected key=value format, found +sve").
 */
export function cpuSwitches(model: string, required: readonly string[], disabled: readonly string[], arch: Architecture = 'x86_64'): string {
  if (arch === 'aarch64') return [model, ...required.map((f) => `${f}=on`), ...disabled.map((f) => `${f}=off`)].join(',');
  return [model, ...required.map((f) => `+${f}`), ...disabled.map((f) => `-${f}`)].join(',');
}

/**
 * `Skylake-Client-v4,+avx2,-hle,enforce`: the exact CPU, refused by QEMU at
 * start if a host cannot provide it. aarch64 has no enforce property: its
 * QEMU refuses at start any property it cannot give.
 */
export function renderQemuCpuArg(model: string, required: readonly string[], disabled: readonly string[], arch: Architecture = 'x86_64'): string {
  const switches = cpuSwitches(model, required, disabled, arch);
  return arch === 'aarch64' ? switches : `${switches},enforce`;
}

/** QEMU's -cpu: every CPU the hosts were asked about can be written. */
export const qemuRenderer = defineRenderer({
  format: 'qemu',
  label: 'qemuCpuArg',
  fields: {
    qemuCpuArg: z.string().describe("The -cpu argument, e.g. 'Skylake-Client-v4,+avx2,-hle,enforce'."),
  },
  render: (cpu) => ({ qemuCpuArg: renderQemuCpuArg(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures, cpu.arch) }),
  print: (values) => ({ text: values.qemuCpuArg, reason: null }),
});
