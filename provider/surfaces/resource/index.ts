/**
 * CpuModelSelection's semantics, independent of how Pulumi reaches them:
 * plain functions over the plain values a provider receives
 * (google.protobuf.Struct decoded to JavaScript). The dynamic provider and
 * the native plugin both call these; docs/provider.md describes them.
 */
export type { ResourceContext } from './context';
export { checkSelection, type CheckResult, type CheckMessage } from './check';
export { diffSelection, type DiffResult } from './diff';
export { createSelection, updateSelection, readSelection, deleteSelection } from './lifecycle';
export {
  SelectionOutputsSchema,
  AutoCpuSchema,
  BaselineDriftSchema,
  SECRET_OUTPUTS,
  toOutputs,
  appliedInputs,
  sealOutputs,
  type SelectionOutputs,
  type AutoCpu,
  type AutoOutputs,
} from './selectionOutputs';
export { COMPUTED_INPUTS } from './autoPin';
export { hostFailure, hostFailures, parseHostFailure, type SelectionFailure, type FailureProperty, type ParsedHostFailure } from './failureReasons';
export { SelectionRefusedError, NoBaselineError } from './selectionRefused';
export { unknownPaths, isUnderUnknown, touchesUnknown, type PropertyPath } from './unknownValues';
