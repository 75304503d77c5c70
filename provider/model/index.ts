/**
 * The CPU model layer: pure functions from QEMU's raw QMP answers (and a few
 * host facts) to the capabilities a host can give a guest. No I/O.
 */
export * from './qemuNames';
export * from './qapi';
export type { QemuProbeRecord, HostFactsInput } from './probeRecord';
export type { CpuCheckRecord, UnavailableSource } from './cpuCheckRecord';
export { startCheckCpus, startRecordsOf, type VcpuStartRecord } from './vcpuStartRecord';
export {
  QEMU_X86_FEATURES,
  LINUX_SYNTHETIC_FLAGS,
  canonicalFeatureName,
  cpuinfoFlagFeature,
  normalizeFeatureList,
  type NormalizedFeatureList,
} from './featureNames';
export { parseCpuinfo } from './cpuinfo';
export { X86HostCpuSchema, Aarch64HostCpuSchema, hostCpuSignature, hostCpuMicrocode, type X86HostCpu, type Aarch64HostCpu } from './hostCpu';
export * from './arch';
export {
  HostCpuSchema,
  HostCapabilitiesSchema,
  buildCapabilities,
  expansionFeatureValues,
  notExposableFeatures,
  featureGap,
  withVcpuStarts,
  type HostCpu,
  type HostCapabilities,
  type HostModel,
  type CpuModelCapability,
  type MachineCapability,
  type BuildCapabilitiesInput,
  type FeatureGap,
} from './capabilities';
export { AutoModelSchema, isAutoModel, CpuSelectionSchema, normalizeSelection, requireValidSelection, type AutoModel, type CpuSelection, type NormalizedSelection } from './cpuSelection';
export { HostVerdictSchema, StoredHostVerdictSchema, OUTCOMES, VERDICT_KINDS, attributeAcrossQemus, cannotReason, evaluateCpuCheck, refusedVerdict, undecidedVerdict, withAnswerOutcome, type HostVerdict, type Outcome, type VerdictKind } from './hostVerdict';
export { BLOCKER_LAYERS, BlockerSchema, LAYER_MEANING, blockerLayer, blockerLayers, groupByLayer, type Blocker, type BlockerLayer, type LayerEvidence } from './blockerLayer';
export * from './render';
export {
  renderLibvirtCpu,
  libvirtModel,
  libvirtFeatureName,
  isKvmParavirtFeature,
  QEMU_KVM_DEFAULT_ON,
  type LibvirtCpu,
  type LibvirtGap,
} from './libvirtCpu';
export { LIBVIRT_CPU_MAP_VERSION, LIBVIRT_X86_MODELS, LIBVIRT_X86_FEATURES, QEMU_FIXED_ALIASES } from './libvirtCpuMap';
export {
  MODEL_GENERATIONS,
  parseModelName,
  modelGeneration,
  vendorOf,
  compareNewest,
  type ModelVendor,
  type ModelGeneration,
  type ParsedModelName,
  type NewestContext,
} from './baselineOrder';
export {
  NON_MIGRATABLE_FEATURES,
  BaselineCandidateSchema,
  MigrationBlockerSchema,
  hostVendors,
  hostCpuVendor,
  hostCpuName,
  baselineCandidates,
  baselinePolicy,
  describeCandidate,
  lackingRequiredFeatures,
  commonExtraFeatures,
  migrationBlockers,
  baselineDrift,
  type BaselineCandidate,
  type MigrationBlocker,
  BaselineDriftSchema,
  type BaselineDrift,
} from './baseline';
export { suggestMachineType } from './baselineMachine';
export {
  X86_LEVELS,
  X86LevelSchema,
  X86LevelReachSchema,
  THIRTY_TWO_BIT_FAMILIES,
  levelFeatures,
  missingForLevel,
  x86LevelOf,
  reachesLevel,
  levelLabel,
  type X86Level,
  type X86LevelReach,
} from './x86Levels';
export { SelectionLevelSchema, selectionLevel, type SelectionLevel } from './selectionLevel';
export { MigrationVerdictSchema, MigrationWarningSchema, migrationVerdict, type MigrationVerdict, type MigrationWarning } from './migrationVerdict';
export { BaselinePolicySchema, isThirtyTwoBitModel, vendorRule, nearest64BitModels, type BaselinePolicy } from './baselinePolicy';
export { ModelLevelSchema, modelLevels, concreteModelNames, type ModelLevel } from './modelLevels';
export { hostModelBaseline, type HostModelBaseline } from './hostModelBaseline';
