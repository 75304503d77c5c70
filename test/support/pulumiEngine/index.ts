export { startDynamicProviderHost, DYNAMIC_PROVIDER_HOST, type DynamicProviderHost, type CheckFailure } from './dynamicProviderHost';
export { toProviderWire, toPersistedState, outsideSecrets, isSecretEnvelope, UNKNOWN } from './engineWire';
export { useMocks, settle, type Registration, type NewResource, type MockOptions } from './mockProgram';
export { startProviderProcess, type ProviderProcess, type ProviderLaunch } from './providerProcess';
export { startFakeEngine, type FakeEngine, type EngineLogEntry } from './fakeEngine';
export { engineCheck, engineCreate, recordAnswer, recordFailure, checkFailureLine } from './engineSteps';
