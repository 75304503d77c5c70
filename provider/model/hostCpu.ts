import { z } from 'zod';

const featureList = (what: string) => z.array(z.string().min(1)).describe(what);

/** An x86 host CPU as /proc/cpuinfo describes its first processor. */
export const X86HostCpuSchema = z.object({
  arch: z.literal('x86_64').describe("The host's architecture: 'x86_64' (this shape) or 'aarch64'."),
  vendor: z.string().min(1).describe('x86: cpuinfo vendor_id, e.g. "GenuineIntel" or "AuthenticAMD".'),
  family: z.number().int().nonnegative().describe('x86: cpuinfo "cpu family".'),
  model: z.number().int().nonnegative().describe('x86: cpuinfo "model".'),
  stepping: z.number().int().nonnegative().describe('x86: cpuinfo "stepping".'),
  microcode: z.string().nullable().describe('x86: cpuinfo "microcode" revision as Linux prints it; null when absent (common inside VMs).'),
  modelName: z.string().min(1).describe('x86: cpuinfo "model name".'),
  flags: featureList('cpuinfo "flags" (x86) or "Features" (aarch64), spelled as Linux spells them (sse4_1, lahf_lm, sve, paca, ...), in its order.'),
});
export type X86HostCpu = z.infer<typeof X86HostCpuSchema>;

/** An arm64 host CPU as /proc/cpuinfo describes its first processor: the MIDR fields and the hwcaps. */
export const Aarch64HostCpuSchema = z.object({
  arch: z.literal('aarch64').describe("The host's architecture: 'x86_64' or 'aarch64' (this shape)."),
  implementer: z.number().int().nonnegative().describe('aarch64: cpuinfo "CPU implementer" (MIDR_EL1.Implementer, e.g. 0x41 = 65 for Arm).'),
  architecture: z.number().int().nonnegative().describe('aarch64: cpuinfo "CPU architecture" (8 on every arm64 host).'),
  variant: z.number().int().nonnegative().describe('aarch64: cpuinfo "CPU variant".'),
  part: z.number().int().nonnegative().describe('aarch64: cpuinfo "CPU part" (MIDR_EL1.PartNum, e.g. 0xd0c = 3340 for Neoverse N1).'),
  revision: z.number().int().nonnegative().describe('aarch64: cpuinfo "CPU revision".'),
  flags: featureList('cpuinfo "flags" (x86) or "Features" (aarch64), spelled as Linux spells them, in its order.'),
});
export type Aarch64HostCpu = z.infer<typeof Aarch64HostCpuSchema>;

/**
 * The host's physical (or, nested, virtual) CPU as its Linux sees it: a
 * union on `arch`, the host's own architecture (uname -m), which under TCG
 * need not be the guest's.
 */
export const HostCpuSchema = z
  .discriminatedUnion('arch', [X86HostCpuSchema, Aarch64HostCpuSchema])
  .describe("The host's physical (or, nested, virtual) CPU as the host's Linux sees it; the fields present depend on arch.");
export type HostCpu = z.infer<typeof HostCpuSchema>;

/** The CPU's identity in one line, for the fingerprint: x86 vendor and family/model/stepping, arm MIDR fields. */
export function hostCpuSignature(cpu: HostCpu): string {
  if (cpu.arch === 'x86_64') return `${cpu.vendor} ${cpu.family}/${cpu.model}/${cpu.stepping}`;
  const hex = (n: number) => `0x${n.toString(16)}`;
  return `arm ${hex(cpu.implementer)}/${hex(cpu.part)} r${cpu.variant}p${cpu.revision}`;
}

/** The microcode revision where the architecture's /proc/cpuinfo shows one (x86), else null. */
export const hostCpuMicrocode = (cpu: HostCpu): string | null => (cpu.arch === 'x86_64' ? cpu.microcode : null);
