/**
 * The `swarm` exit codes, stable and documented in docs/CLI.md. Scripts branch on them: 1 and 2 mean the command
 * ran and reached a verdict (invalid / cannot tell), 3 means fix the invocation, 4 means a remote said no (the
 * gateway refused, the chain reverted), 5 means try again later (network or RPC down).
 */
export const ExitCode = {
  /** Done; or, for a verification, valid. */
  OK: 0,
  /** Verification failed: the evidence is invalid. */
  INVALID: 1,
  /** Verification could not conclude, or the outcome of an action is unknown (an unexpected failure). */
  INDETERMINATE: 2,
  /** Usage or configuration error: a flag, the config file, a missing key, a malformed input file. */
  USAGE: 3,
  /** A remote refused: the gateway answered with an error, the chain reverted. */
  REFUSED: 4,
  /** A remote could not be reached or did not answer in time. */
  UNAVAILABLE: 5,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
