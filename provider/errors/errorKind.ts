/**
 * What kind of qemu-cpu error it is, one per error class (provider/errors):
 * a closed union, so programs and the surfaces switch on it, never on a
 * message's words.
 */
export const ERROR_KINDS = [
  'config',
  'key-passphrase',
  'connection',
  'host-key',
  'authentication',
  'remote-command',
  'login-shell',
  'qemu-launch',
  'kvm-unavailable',
  'cpu-refused',
  'qmp-command',
  'qmp-protocol',
  'timeout',
  'disconnected',
  'host-unresponsive',
  'selection-refused',
  'no-baseline',
  /** Not a qemu-cpu error at all: a bug, reported as data so it cannot hide the other hosts. */
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
