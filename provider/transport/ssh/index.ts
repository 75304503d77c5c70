export { SshTransport, type SshConnectOptions, type SshLogger } from './sshTransport';
export { HOST_SILENCE_MS } from './dial';
export { sha256Fingerprint, parsePublicKeyLine, parseSha256Fingerprint, type PublicKey } from './publicKey';
export { parseKnownHosts, checkKnownHosts, knownHostsName, hashKnownHostsName, type KnownHostsEntry, type KnownHostsVerdict } from './knownHosts';
