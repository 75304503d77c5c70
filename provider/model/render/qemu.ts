/**
 * How a selected CPU is written for QEMU: its -cpu argument, which pins the
 * concrete model and forbids silent fallback, so a host that cannot provide
 * the CPU refuses to start the VM instead of quietly giving it less.
 * The one place a -cpu string is built.
 *
 * x86_64 and aarch64 spell it differently (measured with QEMU 7.2 and read
 * in QEMU's docs/system/arm/cpu-features.rst):
 * - x86 features are CPUID flags, `+name` / `-name`, and `enforce` makes
 *   QEMU refuse a host that lacks one;
 * - arm features are CPU properties, `name=on` / `name=off`: QEMU's arm
 *   -cpu parser refuses `+sve` ("Expected key=value format") and has no
 *   enforce property. It needs none: QEMU refuses at start any property
 *   value the host or accelerator cannot give (an SVE length KVM lacks,
 *   pauth or pmu on a host without them).
 */
import { z } from 'zod';
import type { Architecture } from '../arch/architecture';
import { defineRenderer } from './renderer';

/**
 * arm properties in the order QEMU must see them: QEMU applies -cpu
 * properties left to right, and `sve` goes before the vector lengths it
 * governs (libvirt writes it so too).
 */
function armProperties(required: readonly string[], disabled: readonly string[]): string[] {
  const props = [...required.map((f) => `${f}=on`), ...disabled.map((f) => `${f}=off`)];
  return [...props.filter((p) => p.startsWith('sve=')), ...props.filter((p) => !p.startsWith('sve='))];
}

/**
 * The model and its feature switches, without enforce (what the ground
 * truth launches): `Skylake-Client-v4,+avx2,-hle` on x86_64,
 * `max,sve=on,sve128=on,sve256=off` on aarch64.
 */
export function cpuSwitches(model: string, required: readonly string[], disabled: readonly string[], arch: Architecture = 'x86_64'): string {
  if (arch === 'aarch64') return [model, ...armProperties(required, disabled)].join(',');
  return [model, ...required.map((f) => `+${f}`), ...disabled.map((f) => `-${f}`)].join(',');
}

/**
 * The exact CPU, refused by QEMU at start if a host cannot provide it:
 * `Skylake-Client-v4,+avx2,-hle,enforce` on x86_64; on aarch64 the
 * switches alone, which QEMU already refuses when it cannot give them.
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
    qemuCpuArg: z
      .string()
      .describe(
        "The -cpu argument: on x86_64 e.g. 'Skylake-Client-v4,+avx2,-hle,enforce'; on aarch64 the model and its properties, e.g. 'max,sve=on,sve128=on,sve256=off' (arm has no enforce: QEMU refuses at start a property value the host cannot give).",
      ),
  },
  render: (cpu) => ({ qemuCpuArg: renderQemuCpuArg(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures, cpu.arch) }),
  print: (values) => ({ text: values.qemuCpuArg, reason: null }),
});
