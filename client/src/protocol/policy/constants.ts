/** The one capsule version this SDK reads and writes; any other is refused (POLICY_VERSION_UNSUPPORTED). */
export const POLICY_VERSION = "swarm/policy/v1";

/** Largest capsule accepted, in bytes (64 KiB): checked before the bytes are decoded or parsed. */
export const POLICY_MAX_BYTES = 65_536;

/** Upper bound of `limits.maxSeconds`: 30 days, the longest step timeout an offer can have. */
export const POLICY_MAX_STEP_SECONDS = 2_592_000n;

/** Upper bound of `limits.maxStateBytes`: 2^53 − 1, so every consumer can compare it as a JavaScript number. */
export const POLICY_MAX_STATE_BYTES = 9_007_199_254_740_991n;

/** The runner environments GitHub reports in the OIDC `runner_environment` claim. */
export const RUNNER_ENVIRONMENTS = ["github-hosted", "self-hosted"] as const;
