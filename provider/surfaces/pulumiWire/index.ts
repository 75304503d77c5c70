/**
 * Pulumi's wire, shared by both provider flavours (the dynamic provider and
 * the native plugin): how secrets and unknowns are encoded inside
 * google.protobuf.Struct values, and the engine's Log service.
 */
export { unwrapSecrets, wrapSecret, isUnknown } from './secrets';
export { connectEngineLog, silentLog, type EngineLog, type Severity } from './engineLog';
