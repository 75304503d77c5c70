/**
 * qemu-cpu for Pulumi TypeScript programs: `import { CpuModelSelection,
 * getHostCpuCapabilities, getHostCpuCapabilitiesOutput } from 'qemu-cpu'`.
 */
export {
  CpuModelSelection,
  getHostCpuCapabilities,
  getHostCpuCapabilitiesOutput,
  type CpuModelSelectionArgs,
  type HostConnectionArgs,
  type GetHostCpuCapabilitiesArgs,
  type GetHostCpuCapabilitiesOutputArgs,
  type GetHostCpuCapabilitiesResult,
} from '../provider/surfaces/dynamic';
export type { HostCapabilities, HostVerdict, Outcome, VerdictKind } from '../provider/model';
export type { PublicHostEntry } from '../provider/probe/hostSecrets';
export { parseHostFailure, type ParsedHostFailure } from '../provider/surfaces/resource';
