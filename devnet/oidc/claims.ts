import type { GitHubRunContext } from "./runContext";

/** GitHub's token lifetime: exp = iat + 5 minutes. */
export const TOKEN_LIFETIME_SECONDS = 300;
/** GitHub backdates nbf by 5 minutes to absorb clock skew (nbf = iat − 300 in its tokens). */
export const NOT_BEFORE_SKEW_SECONDS = 300;

/** GitHub's `claims_supported`, as published in its openid-configuration. */
export const GITHUB_CLAIMS_SUPPORTED = [
  "sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository", "repository_id",
  "repository_owner", "repository_owner_id", "enterprise", "enterprise_id", "run_id", "run_number",
  "run_attempt", "actor", "actor_id", "workflow", "workflow_ref", "workflow_sha", "head_ref", "base_ref",
  "event_name", "ref_type", "ref_protected", "environment", "environment_node_id", "job_workflow_ref",
  "job_workflow_sha", "repository_visibility", "runner_environment", "issuer_scope",
] as const; // prettier-ignore

/** The values of a JWT claim set the issuer signs. */
export type ClaimSet = Record<string, string | number>;

/** GitHub's default subject: by environment, by pull request, else by ref; `:` in values becomes `%3A`. */
export function subjectFor(context: GitHubRunContext): string {
  const esc = (v: string) => v.replaceAll(":", "%3A");
  const repo = `repo:${context.repository}`;
  if (context.environment !== undefined) return `${repo}:environment:${esc(context.environment)}`;
  if (context.eventName === "pull_request") return `${repo}:pull_request`;
  return `${repo}:ref:${esc(context.ref)}`;
}

/** GitHub's default audience when the runner asks for none: the owner's URL. */
export function defaultAudience(context: GitHubRunContext): string {
  return `https://github.com/${context.repositoryOwner}`;
}

/**
 * The claim set GitHub issues for a job, in GitHub's order, with GitHub's names and types: everything is a
 * string except the three NumericDates.
 */
export function githubClaimsFor(
  context: GitHubRunContext,
  token: { issuer: string; audience: string; issuedAt: number; jti: string; lifetimeSeconds?: number },
): ClaimSet {
  const c = context;
  return {
    jti: token.jti,
    sub: subjectFor(c),
    aud: token.audience,
    ref: c.ref,
    sha: c.sha,
    repository: c.repository,
    repository_owner: c.repositoryOwner,
    repository_owner_id: c.repositoryOwnerId,
    run_id: c.runId,
    run_number: c.runNumber,
    run_attempt: c.runAttempt,
    repository_visibility: c.repositoryVisibility,
    repository_id: c.repositoryId,
    actor_id: c.actorId,
    actor: c.actor,
    workflow: c.workflow,
    head_ref: c.headRef,
    base_ref: c.baseRef,
    event_name: c.eventName,
    ...(c.environment === undefined ? {} : { environment: c.environment }),
    ref_protected: c.refProtected,
    ref_type: c.refType,
    workflow_ref: c.workflowRef,
    workflow_sha: c.workflowSha,
    job_workflow_ref: c.jobWorkflowRef,
    job_workflow_sha: c.jobWorkflowSha,
    runner_environment: c.runnerEnvironment,
    check_run_id: c.checkRunId,
    iss: token.issuer,
    nbf: token.issuedAt - NOT_BEFORE_SKEW_SECONDS,
    exp: token.issuedAt + (token.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS),
    iat: token.issuedAt,
  };
}
