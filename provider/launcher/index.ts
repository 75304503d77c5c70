export * from './launchOptions';
export * from './probeRecord';
export { QemuSession } from './qemuSession';
export { probeQemu, queryCapabilities } from './capabilityProbe';
export { expandModels } from './modelExpansions';
export { readHostFacts, parseHostFacts, HostFactsSchema, type HostFacts } from './hostFacts';
export { runToCompletion } from './runToCompletion';
export { withTimeout } from './withTimeout';
// The launcher is the layer the probe service talks to; it passes on the transport API it is built on.
export { openTransport, homeDir, HOST_SILENCE_MS, connectionLabel, LocalTransport, ConnectionSchema, SECRET_CONNECTION_FIELDS, type Connection, type ConnectionInput, type Transport } from '../transport';
export * from './cpuCheckRecord';
export { checkCpu, type CpuCheckRequest } from './cpuCheck';
export { parseEnforceRefusals } from './enforceRefusals';
// QEMU's reply types travel up inside the probe records.
export type { CpuDefinitionInfo, CpuModelExpansion, MachineInfo, KvmInfo, TargetInfo, VersionInfo } from '../qmp';
export { checkVcpuStart, type VcpuStartRecord } from './vcpuStart';
