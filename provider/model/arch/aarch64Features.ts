/**
 * QEMU's aarch64 CPU properties that are features (booleans in a full
 * expansion of host or max), from QEMU's docs/system/arm/cpu-features.rst
 * and the recorded QEMU 7.2 (TCG, this project's machines) and 10.0 (KVM,
 * ../shared/fixtures/qmp/10.0.0.aarch64.qmp.json) expansions.
 */

/** SVE vector lengths QEMU can switch, in bits: sve128 … sve2048, multiples of 128. */
export const SVE_LENGTHS: readonly number[] = Array.from({ length: 16 }, (_, i) => (i + 1) * 128);

/** The property that switches one SVE vector length. */
export const sveLength = (bits: number): string => `sve${bits}`;

export const QEMU_AARCH64_FEATURES: ReadonlySet<string> = new Set([
  // AArch32 at EL1: off only under KVM on a host that has it.
  'aarch64',
  // The vPMU.
  'pmu',
  // Pointer authentication and its algorithm choice (TCG).
  'pauth', 'pauth-impdef', 'pauth-qarma3', 'pauth-qarma5',
  // The Scalable Vector Extension and its vector lengths.
  'sve', ...SVE_LENGTHS.map(sveLength),
  // KVM's paravirtual time features.
  'kvm-steal-time', 'kvm-no-adjvtime',
]);

/**
 * The arm /proc/cpuinfo "Features" words that stand for a QEMU property:
 * Linux's hwcaps (arch/arm64/kernel/cpuinfo.c). The others (fp, asimd, aes,
 * atomics, ...) are ISA features QEMU does not switch per property.
 */
const CPUINFO_FEATURES: ReadonlyMap<string, string> = new Map([
  ['sve', 'sve'],
  // Address and generic pointer authentication.
  ['paca', 'pauth'],
  ['pacg', 'pauth'],
]);

/** QEMU's spelling of an aarch64 feature: its property name, in any case; undefined when not one of `known`. */
export function canonicalAarch64Feature(name: string, known: ReadonlySet<string> = QEMU_AARCH64_FEATURES): string | undefined {
  const lower = name.trim().toLowerCase();
  return known.has(lower) ? lower : undefined;
}

/** The QEMU property an arm /proc/cpuinfo feature word stands for, if any. */
export function aarch64CpuinfoFeature(flag: string, known: ReadonlySet<string> = QEMU_AARCH64_FEATURES): string | undefined {
  const feature = CPUINFO_FEATURES.get(flag.trim().toLowerCase());
  return feature !== undefined && known.has(feature) ? feature : undefined;
}
