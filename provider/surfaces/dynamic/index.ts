export { CpuModelSelection, type CpuModelSelectionArgs, type HostConnectionArgs } from './cpuModelSelection';
export {
  getHostCpuCapabilities,
  getHostCpuCapabilitiesOutput,
  type GetHostCpuCapabilitiesArgs,
  type GetHostCpuCapabilitiesOutputArgs,
  type GetHostCpuCapabilitiesResult,
} from './hostCpuCapabilities';
export { cpuModelSelectionProvider } from './provider';
