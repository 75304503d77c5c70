/** The CLI's exit codes, the same for every command. */
export const EXIT = {
  /** Every host can do what was asked. */
  ok: 0,
  /** At least one host cannot. */
  notSatisfied: 1,
  /** Could not decide: bad arguments or config, unreachable host, authentication, QEMU failure. */
  undecided: 2,
} as const;
