/**
 * The per-architecture profiles (one file each) and how one is picked:
 * from QEMU's query-target when QEMU has answered, before that from the
 * binary's name (profiles.ts).
 */
export { ARCHITECTURES, ArchitectureSchema, architectureOf, type Architecture } from './architecture';
export { BASELINE_METHODS, type ArchProfile, type BaselineMethod } from './profile';
export { archProfile, profileOfTarget, profileOfUname, architectureNamedBy, guessArchitecture, canonicalFeatureAnyArch } from './profiles';
export { SVE_LENGTHS, sveLength, QEMU_AARCH64_FEATURES } from './aarch64Features';
export { parseAarch64Cpuinfo } from './aarch64Cpuinfo';
export { requireTargetProfile } from './requireTargetProfile';
export { mixedArchitectures } from './mixedArchitectures';
