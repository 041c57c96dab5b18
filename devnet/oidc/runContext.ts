/**
 * What a GitHub Actions job is, as far as its OIDC token tells: one field per claim, camelCased, holding
 * GitHub's string value (ids and run numbers are decimal strings, `refProtected` is "true" or "false").
 */
export interface GitHubRunContext {
  /** `owner/name`. */
  repository: string;
  repositoryId: string;
  repositoryOwner: string;
  repositoryOwnerId: string;
  repositoryVisibility: "public" | "private" | "internal";
  /** The ref that triggered the run: `refs/heads/main`, `refs/tags/v1`, `refs/pull/7/merge`. */
  ref: string;
  refType: "branch" | "tag";
  refProtected: "true" | "false";
  /** The commit that triggered the run (40 lowercase hex). */
  sha: string;
  headRef: string;
  baseRef: string;
  eventName: string;
  /** The workflow's display name. */
  workflow: string;
  /** The caller's workflow: `owner/name/.github/workflows/file.yml@ref`. */
  workflowRef: string;
  workflowSha: string;
  /** The workflow whose code the job runs (differs from `workflowRef` for a reusable workflow). */
  jobWorkflowRef: string;
  jobWorkflowSha: string;
  runId: string;
  runNumber: string;
  runAttempt: string;
  checkRunId: string;
  actor: string;
  actorId: string;
  runnerEnvironment: "github-hosted" | "self-hosted";
  /** The deployment environment the job references, if any (changes `sub`). */
  environment?: string;
}

/** A fixed, plausible run used where a test does not say otherwise. */
export const DEFAULT_RUN_CONTEXT = {
  repository: "octo-org/octo-repo",
  repositoryId: "632596897",
  repositoryOwnerId: "131804563",
  repositoryVisibility: "public",
  ref: "refs/heads/main",
  refProtected: "true",
  sha: "30bace97d4fbcd657d31d2de06068ab14b491473",
  headRef: "",
  baseRef: "",
  eventName: "workflow_dispatch",
  workflow: "swarm step",
  runId: "27476101517",
  runNumber: "42",
  runAttempt: "1",
  checkRunId: "81215574497",
  actor: "octocat",
  actorId: "583231",
  runnerEnvironment: "github-hosted",
} as const satisfies Partial<GitHubRunContext>;

/** The path of the default workflow inside its repository. */
export const DEFAULT_WORKFLOW_PATH = ".github/workflows/step.yml";

/**
 * A complete context: `partial` over `base` over the defaults, with the fields GitHub derives from others
 * (owner, ref type, workflow refs and shas) derived from the merged values unless given explicitly.
 */
export function resolveRunContext(
  partial: Partial<GitHubRunContext> = {},
  base: Partial<GitHubRunContext> = {},
): GitHubRunContext {
  const merged = { ...DEFAULT_RUN_CONTEXT, ...base, ...partial };
  const workflowRef = merged.workflowRef ?? `${merged.repository}/${DEFAULT_WORKFLOW_PATH}@${merged.ref}`;
  const workflowSha = merged.workflowSha ?? merged.sha;
  return {
    ...merged,
    repositoryOwner: merged.repositoryOwner ?? merged.repository.split("/")[0]!,
    refType: merged.refType ?? (merged.ref.startsWith("refs/tags/") ? "tag" : "branch"),
    workflowRef,
    workflowSha,
    jobWorkflowRef: merged.jobWorkflowRef ?? workflowRef,
    jobWorkflowSha: merged.jobWorkflowSha ?? workflowSha,
  };
}
