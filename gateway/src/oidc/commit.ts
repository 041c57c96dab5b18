import type { GitHubClaims } from "./claims";
import { oidcError, shown } from "./codes";

const BYTES20 = /^0x[0-9a-fA-F]{40}$/;

/**
 * The job ran the offer's pinned workflow commit: `job_workflow_sha` equals the offer's commit
 * (`COMMIT_MISMATCH`), and so does `sha`, the commit that triggered the run, when the capsule requires it
 * (`SHA_MISMATCH`). Compared as lowercase 40-hex; `offerCommit` is the offer's bytes20 as 0x-hex.
 */
export function verifyWorkflowCommit(
  claims: Pick<GitHubClaims, "job_workflow_sha" | "sha">,
  offerCommit: string,
  requireShaMatch: boolean,
): void {
  if (!BYTES20.test(offerCommit)) throw oidcError("OIDC_CONFIG_INVALID", "expected the offer commit as bytes20 hex");
  const commit = offerCommit.slice(2).toLowerCase();
  if (claims.job_workflow_sha.toLowerCase() !== commit) {
    throw oidcError("COMMIT_MISMATCH", `expected job_workflow_sha ${commit}, got ${shown(claims.job_workflow_sha)}`);
  }
  if (requireShaMatch && claims.sha.toLowerCase() !== commit) {
    throw oidcError("SHA_MISMATCH", `expected sha ${commit}, got ${shown(claims.sha)}`);
  }
}
