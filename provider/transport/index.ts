export * from './transport';
export { homeDir } from './homeDir';
export * from './shellQuote';
export * from './connectionSchema';
export { LocalTransport } from './localTransport';
export { SshTransport, HOST_SILENCE_MS, type SshConnectOptions, type SshLogger } from './ssh';
export { openTransport } from './openTransport';
