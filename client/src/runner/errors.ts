import { ProtocolError } from "../protocol/errors";

/** Stable codes of the runner's own failures (protocol formats keep their own codes). */
export const RunnerErrorCode = {
  /** ACTIONS_ID_TOKEN_REQUEST_URL or _TOKEN is not set: the job lacks `permissions: id-token: write`. */
  OIDC_ENV_MISSING: "OIDC_ENV_MISSING",
  /** The request URL is not an https URL with a query (or http on a loopback host). */
  OIDC_ENV_INVALID: "OIDC_ENV_INVALID",
  /** The token endpoint could not be reached or did not answer 200. */
  OIDC_REQUEST_FAILED: "OIDC_REQUEST_FAILED",
  /** The token endpoint answered 200 without a `value` shaped as a JWT. */
  OIDC_ANSWER_INVALID: "OIDC_ANSWER_INVALID",
  /** The OIDC token lacks a claim the certificate needs, or one is malformed. */
  RUN_CLAIMS_INVALID: "RUN_CLAIMS_INVALID",
  /** The gateway answered with a session for another entitlement or key. */
  SESSION_MISMATCH: "SESSION_MISMATCH",
  /** No permit was attached to the session before the deadline. */
  PERMIT_WAIT_TIMEOUT: "PERMIT_WAIT_TIMEOUT",
  /** The permit handed to the runner is not a well-formed StepPermit. */
  PERMIT_MALFORMED: "PERMIT_MALFORMED",
  /** The permit is for another entitlement, worker key or run. */
  PERMIT_MISMATCH: "PERMIT_MISMATCH",
  /** Caps could not be obtained before the deadline or the attempts ran out. */
  CAPS_REQUEST_FAILED: "CAPS_REQUEST_FAILED",
  /** The policy capsule given to the runner is not the one the permit names. */
  POLICY_MISMATCH: "POLICY_MISMATCH",
  /** The input (genesis state or fromStep evidence) is missing or unreadable. */
  INPUT_MISSING: "INPUT_MISSING",
  /** The fromStep certificate's attestation did not verify. */
  INPUT_ATTESTATION_INVALID: "INPUT_ATTESTATION_INVALID",
  /** The fromStep certificate does not parse or is for another market, entitlement or step. */
  INPUT_CERTIFICATE_INVALID: "INPUT_CERTIFICATE_INVALID",
  /** sha256 of the input state ciphertext is not the fromStep certificate's stateOut. */
  INPUT_STATE_MISMATCH: "INPUT_STATE_MISMATCH",
  /** The step command could not start, or exited with a non-zero status or a signal. */
  STEP_COMMAND_FAILED: "STEP_COMMAND_FAILED",
  /** The step command outlived its time limit and was killed. */
  STEP_TIMEOUT: "STEP_TIMEOUT",
  /** A step output (or the input state) is larger than the policy's maxStateBytes. */
  STATE_TOO_LARGE: "STATE_TOO_LARGE",
  /** The step command did not write one of its outputs. */
  STEP_OUTPUT_MISSING: "STEP_OUTPUT_MISSING",
  /** result or next tokens are not UTF-8 JSON. */
  STEP_OUTPUT_INVALID: "STEP_OUTPUT_INVALID",
  /** The step's time window (caps expiry) closed before the step could run. */
  STEP_WINDOW_CLOSED: "STEP_WINDOW_CLOSED",
  /** The injected attester failed. */
  ATTESTATION_FAILED: "ATTESTATION_FAILED",
  /** Evidence for this step already exists: it is never overwritten. */
  EVIDENCE_EXISTS: "EVIDENCE_EXISTS",
} as const;

/** One of the runner's error codes. */
export type RunnerErrorCode = (typeof RunnerErrorCode)[keyof typeof RunnerErrorCode];

/** Throws a ProtocolError with a runner code. */
export function runnerFail(code: RunnerErrorCode, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** The token endpoint failed: `status` is the HTTP status, 0 when it could not be reached. */
export class OidcRequestError extends ProtocolError {
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(RunnerErrorCode.OIDC_REQUEST_FAILED, message, options);
  }
}
