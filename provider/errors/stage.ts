/**
 * Where in a probe an error arose. Every error names one, so a user (and a
 * script) can tell a typo in a config from a dead host from a QEMU bug.
 */
export type Stage =
  | 'config'
  | 'connect'
  | 'host-key'
  | 'auth'
  | 'exec'
  | 'host-facts'
  | 'launch'
  | 'qmp-greeting'
  | 'qmp-negotiate'
  | 'qmp-command'
  | 'qmp-protocol'
  | 'shutdown'
  | 'evaluate';
