import type { ArchProfile } from './profile';
import { canonicalFeatureName, cpuinfoFlagFeature, QEMU_X86_FEATURES } from '../featureNames';
import { parseX86Cpuinfo } from './x86Cpuinfo';

/** x86_64: QEMU's named models report what they lack (unavailable-features), and the x86-64 levels apply. */
export const X86_64_PROFILE: ArchProfile = {
  arch: 'x86_64',
  // 32-bit x86 hosts print the same /proc/cpuinfo layout.
  unameNames: ['x86_64', 'amd64', 'i686', 'i386'],
  defaultMachineType: 'q35',
  expansionType: 'static',
  // host and max carry the host's MSRs, which KVM may still refuse when it creates the vCPU; TCG has no host model.
  startChecked: { kvm: ['host', 'max'], tcg: ['max'] },
  // Under KVM, QEMU's host is max: its type is max's subtype, whose class only marks host CPUID as required and
  // describes itself (target/i386, host_cpu_class_init), and both take KVM's supported CPUID in the same instance
  // init. Their full expansions are equal on QEMU 7.2 and 10.0 (provider/launcher/hostIsMax.integration.test.ts).
  startCheckedAs: { kvm: { max: 'host' }, tcg: {} },
  missingReport: 'unavailable-features',
  usabilityNote: () => null,
  features: QEMU_X86_FEATURES,
  canonicalFeatureName: (name, known = QEMU_X86_FEATURES) => canonicalFeatureName(name, known),
  cpuinfoFlagFeature: (flag, known = QEMU_X86_FEATURES) => cpuinfoFlagFeature(flag, known),
  parseCpuinfo: parseX86Cpuinfo,
  baseline: 'named-models',
  hasLevels: true,
};
