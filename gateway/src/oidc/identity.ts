import type { GitHubClaims } from "./claims";
import { oidcError, shown } from "./codes";

/**
 * The identity section of a policy capsule, as far as the OIDC checks read it (a structural copy of the
 * capsule type in `client/src/protocol/policy/`, kept local so the two can be checked against each other).
 */
export interface PolicyIdentity {
  issuer: string;
  audience: string;
  /** `owner/name`, in GitHub's canonical case. */
  repository: string;
  /** GitHub's numeric repository id, as a decimal string. */
  repositoryId: string;
  /** `owner/name/.github/workflows/file.yml`, without `@ref`. */
  jobWorkflowRef: string;
  /** Refs the job workflow may run at: `refs/heads/main`, `refs/tags/v1`. */
  refs: readonly string[];
  eventNames: readonly string[];
  runnerEnvironments: readonly string[];
  requireShaMatch: boolean;
  allowUnboundRuns: boolean;
}

type IdentityClaims = Pick<
  GitHubClaims,
  "iss" | "aud" | "repository" | "repository_id" | "job_workflow_ref" | "event_name" | "runner_environment"
>;

/**
 * The job's workflow must be the capsule's, at an allowed ref. It is read from `job_workflow_ref`, the
 * workflow whose code the job runs; `workflow_ref` names the caller's workflow, which for a reusable
 * workflow can be anyone's, and is never consulted.
 */
export function verifyJobWorkflow(claims: Pick<GitHubClaims, "job_workflow_ref">, policy: PolicyIdentity): void {
  const got = claims.job_workflow_ref;
  const prefix = `${policy.jobWorkflowRef}@`;
  if (!got.startsWith(prefix)) {
    throw oidcError(
      "IDENTITY_WORKFLOW_MISMATCH",
      `expected job_workflow_ref ${shown(prefix + "<ref>")}, got ${shown(got)}`,
    );
  }
  if (!policy.refs.some((ref) => got === prefix + ref)) {
    throw oidcError("IDENTITY_REF_NOT_ALLOWED", `expected one of refs ${shown(policy.refs)}, got ${shown(got)}`);
  }
}

/**
 * Checks that a verified token comes from the run the policy capsule names: issuer and audience as the
 * capsule states them, repository by name and by id (a deleted and recreated repository keeps the name but
 * not the id), job workflow at an allowed ref, event and runner environment. All refusals are 403.
 */
export function verifyRunnerIdentity(claims: IdentityClaims, policy: PolicyIdentity): void {
  if (claims.iss !== policy.issuer) {
    throw oidcError("IDENTITY_ISSUER_MISMATCH", `expected issuer ${shown(policy.issuer)}, got ${shown(claims.iss)}`);
  }
  if (claims.aud !== policy.audience) {
    throw oidcError(
      "IDENTITY_AUDIENCE_MISMATCH",
      `expected audience ${shown(policy.audience)}, got ${shown(claims.aud)}`,
    );
  }
  if (claims.repository !== policy.repository) {
    throw oidcError(
      "IDENTITY_REPOSITORY_MISMATCH",
      `expected repository ${shown(policy.repository)}, got ${shown(claims.repository)}`,
    );
  }
  if (claims.repository_id !== policy.repositoryId) {
    throw oidcError(
      "IDENTITY_REPOSITORY_ID_MISMATCH",
      `expected repository_id ${shown(policy.repositoryId)}, got ${shown(claims.repository_id)}`,
    );
  }
  verifyJobWorkflow(claims, policy);
  if (!policy.eventNames.includes(claims.event_name)) {
    throw oidcError(
      "IDENTITY_EVENT_MISMATCH",
      `expected event_name in ${shown(policy.eventNames)}, got ${shown(claims.event_name)}`,
    );
  }
  if (!policy.runnerEnvironments.includes(claims.runner_environment)) {
    throw oidcError(
      "IDENTITY_RUNNER_MISMATCH",
      `expected runner_environment in ${shown(policy.runnerEnvironments)}, got ${shown(claims.runner_environment)}`,
    );
  }
}
