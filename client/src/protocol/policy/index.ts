/** The policy capsule (`policy.json`): format, parsing, building, hashing and egress evaluation. */
export { expectedAudience, verifyPolicyAudience } from "./audience";
export { buildPolicyCapsule } from "./build";
export { PolicyErrorCode } from "./codes";
export {
  POLICY_MAX_BYTES,
  POLICY_MAX_STATE_BYTES,
  POLICY_MAX_STEP_SECONDS,
  POLICY_VERSION,
  RUNNER_ENVIRONMENTS,
} from "./constants";
export { egressDecision } from "./egress";
export { type NormalizedEgressRequest, normalizeEgressRequest } from "./egressRequest";
export { policyHashOf } from "./hash";
export { parsePolicyCapsule, parsePolicyCapsuleBase64url } from "./parse";
export type {
  BuiltPolicyCapsule,
  EgressDecision,
  EgressRequest,
  EgressRule,
  ParsedPolicyCapsule,
  PolicyCapsule,
  PolicyCapsuleInput,
  PolicyEgress,
  PolicyIdentity,
  PolicyLimits,
  RunnerEnvironment,
} from "./types";
