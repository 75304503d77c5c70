/**
 * Where in a probe an error arose. Every error names one, so a user (and a
 * script) can tell a typo in a config from a dead host from a QEMU bug.
 * Connecting passes `connect` (TCP, or a jump host's forwarded channel),
 * `ssh-banner` (the server's SSH identification line and key exchange),
 * `host-key` and `auth`, in that order.
 */
export const STAGES = [
  'config',
  'connect',
  'ssh-banner',
  'host-key',
  'auth',
  'exec',
  'host-facts',
  'launch',
  'qmp-greeting',
  'qmp-negotiate',
  'qmp-command',
  'qmp-protocol',
  'shutdown',
  'evaluate',
] as const;
export type Stage = (typeof STAGES)[number];
