import { z } from "zod";
import { oidcError } from "./codes";

/** A positive decimal string without leading zeros, as GitHub writes ids (`"27476101517"`). */
const decimalId = z.string().regex(/^[1-9][0-9]{0,19}$/, "expected a positive decimal string");
/** A git commit id as GitHub writes it: 40 lowercase hex digits, no prefix. */
const commitSha = z.string().regex(/^[0-9a-f]{40}$/, "expected 40 lowercase hex digits");
const nonEmpty = z.string().min(1).max(1024);
/** JWT NumericDate: GitHub issues whole seconds. */
const numericDate = z.number().int().nonnegative();

/**
 * The GitHub Actions OIDC claims the gateway reads, with GitHub's names and types: ids, run numbers and
 * flags are strings, times are numbers. Every claim a later check or the certificate uses is required; the
 * others GitHub issues are typed when present and otherwise not required, so that GitHub adding or
 * dropping an unused claim cannot lock runners out. Unknown claims are dropped.
 */
export const githubClaimsSchema = z.object({
  iss: nonEmpty,
  aud: nonEmpty,
  sub: nonEmpty,
  jti: z.string().min(1).max(256),
  exp: numericDate,
  nbf: numericDate,
  iat: numericDate,
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "expected owner/name"),
  repository_id: decimalId,
  ref: nonEmpty,
  sha: commitSha,
  event_name: nonEmpty,
  run_id: decimalId,
  run_attempt: z.string().regex(/^[1-9][0-9]{0,9}$/, "expected a positive decimal string"),
  job_workflow_ref: nonEmpty,
  job_workflow_sha: commitSha,
  runner_environment: nonEmpty,
  repository_owner: nonEmpty.optional(),
  repository_owner_id: decimalId.optional(),
  repository_visibility: nonEmpty.optional(),
  run_number: decimalId.optional(),
  actor: nonEmpty.optional(),
  actor_id: decimalId.optional(),
  workflow: z.string().max(1024).optional(),
  workflow_ref: nonEmpty.optional(),
  workflow_sha: commitSha.optional(),
  head_ref: z.string().max(1024).optional(),
  base_ref: z.string().max(1024).optional(),
  ref_type: nonEmpty.optional(),
  ref_protected: z.enum(["true", "false"]).optional(),
  environment: nonEmpty.optional(),
  check_run_id: decimalId.optional(),
});

/** The verified claims of a runner's GitHub Actions OIDC token. */
export type GitHubClaims = z.infer<typeof githubClaimsSchema>;

/** Checks a verified token's payload against GitHub's claim names and types (`TOKEN_CLAIM_INVALID`). */
export function parseGitHubClaims(payload: unknown): GitHubClaims {
  const result = githubClaimsSchema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const claim = issue?.path.map(String).join(".") || "(payload)";
  throw oidcError("TOKEN_CLAIM_INVALID", `claim ${claim}: ${issue?.message ?? "invalid"}`, result.error);
}
