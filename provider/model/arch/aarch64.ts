import type { ArchProfile } from './profile';
import { aarch64CpuinfoFeature, canonicalAarch64Feature, QEMU_AARCH64_FEATURES } from './aarch64Features';
import { parseAarch64Cpuinfo } from './aarch64Cpuinfo';

/**
 * aarch64 (arm64). QEMU's query-cpu-definitions lists models without
 * unavailable-features, so it says nothing about usability; features are CPU
 * properties (sve, sve128 …, pauth, pmu, aarch64) that QEMU refuses at start
 * when the host cannot give them (docs/system/arm/cpu-features.rst).
 */
export const AARCH64_PROFILE: ArchProfile = {
  arch: 'aarch64',
  unameNames: ['aarch64', 'arm64'],
  defaultMachineType: 'virt',
  expansionType: 'full',
  // Under KVM host and max are the same CPU (max is host plus nothing), each checked; under TCG max is everything emulated.
  startChecked: { kvm: ['host', 'max'], tcg: ['max'] },
  // QEMU's source makes arm's max under KVM the host CPU too (aarch64_max_initfn), but no arm KVM host here has
  // confirmed that their expansions agree, as x86's test does: one VM each.
  startCheckedAs: { kvm: {}, tcg: {} },
  missingReport: 'start-refusal',
  usabilityNote: (accelerator) =>
    accelerator === 'kvm'
      ? 'QEMU does not report which arm models a host can run; under KVM only host and max generally work (a named model needs a host core of that very type), each checked with a paused VM'
      : 'QEMU does not report which arm models a host can run; under TCG QEMU emulates the models it lists, but a machine type takes only some (virt: the Cortex-A and Neoverse cores, host and max); `qemu-cpu check` starts a paused VM to find out',
  features: QEMU_AARCH64_FEATURES,
  canonicalFeatureName: canonicalAarch64Feature,
  cpuinfoFlagFeature: aarch64CpuinfoFeature,
  parseCpuinfo: parseAarch64Cpuinfo,
  baseline: 'host-model',
  hasLevels: false,
};
