import { z } from "zod";

import { FULCIO_LEGACY_OIDS, FULCIO_OIDS, derUtf8String } from "../../client/src/attest/fulcioExtensions";

/** GitHub's host, the base of every URI Fulcio derives from a GitHub Actions token. */
export const GITHUB_SERVER_URL = "https://github.com";

const claim = z.string().min(1);

/** The claims Fulcio's GitHub workflow identity needs; a token lacking one is refused. */
export const githubWorkflowClaims = z.object({
  iss: claim,
  sub: claim,
  repository: claim,
  repository_id: claim,
  repository_owner: claim,
  repository_owner_id: claim,
  repository_visibility: claim,
  ref: claim,
  sha: claim,
  workflow: claim,
  workflow_ref: claim,
  workflow_sha: claim,
  job_workflow_ref: claim,
  job_workflow_sha: claim,
  event_name: claim,
  run_id: claim,
  run_attempt: claim,
  runner_environment: claim,
  environment: z.string().optional(),
});

/** A GitHub Actions token's claims as Fulcio reads them. */
export type GitHubWorkflowClaims = z.infer<typeof githubWorkflowClaims>;

/** An extension as it goes into the certificate: OID and the exact value bytes. */
export interface FulcioExtension {
  oid: string;
  value: Buffer;
}

/** The SAN Fulcio gives a GitHub Actions workflow: `https://github.com/<job_workflow_ref>`. */
export function githubSan(claims: GitHubWorkflowClaims): string {
  return `${GITHUB_SERVER_URL}/${claims.job_workflow_ref}`;
}

/**
 * Fulcio's GitHub workflow mapping (fulcio `pkg/identity/github`, oid-info.md), in the order GitHub's
 * certificates carry them: the deprecated `.1.1`–`.1.6` as raw bytes, then `.1.8`–`.1.22` as DER UTF8String,
 * `.1.23` only when the job names an environment, and `.1.24` (the token's `sub`). Empty values are left out,
 * as Fulcio does.
 */
export function githubFulcioExtensions(claims: GitHubWorkflowClaims): FulcioExtension[] {
  const c = claims;
  const raw: [string, string][] = [
    [FULCIO_LEGACY_OIDS.issuer, c.iss],
    [FULCIO_LEGACY_OIDS.githubWorkflowTrigger, c.event_name],
    [FULCIO_LEGACY_OIDS.githubWorkflowSha, c.sha],
    [FULCIO_LEGACY_OIDS.githubWorkflowName, c.workflow],
    [FULCIO_LEGACY_OIDS.githubWorkflowRepository, c.repository],
    [FULCIO_LEGACY_OIDS.githubWorkflowRef, c.ref],
  ];
  const o = FULCIO_OIDS;
  const der: [string, string][] = [
    [o.issuer, c.iss],
    [o.buildSignerUri, githubSan(c)],
    [o.buildSignerDigest, c.job_workflow_sha],
    [o.runnerEnvironment, c.runner_environment],
    [o.sourceRepositoryUri, `${GITHUB_SERVER_URL}/${c.repository}`],
    [o.sourceRepositoryDigest, c.sha],
    [o.sourceRepositoryRef, c.ref],
    [o.sourceRepositoryIdentifier, c.repository_id],
    [o.sourceRepositoryOwnerUri, `${GITHUB_SERVER_URL}/${c.repository_owner}`],
    [o.sourceRepositoryOwnerIdentifier, c.repository_owner_id],
    [o.buildConfigUri, `${GITHUB_SERVER_URL}/${c.workflow_ref}`],
    [o.buildConfigDigest, c.workflow_sha],
    [o.buildTrigger, c.event_name],
    [o.runInvocationUri, `${GITHUB_SERVER_URL}/${c.repository}/actions/runs/${c.run_id}/attempts/${c.run_attempt}`],
    [o.sourceRepositoryVisibility, c.repository_visibility],
    [o.deploymentEnvironment, c.environment ?? ""],
    [o.tokenSubject, c.sub],
  ];
  return [
    ...raw.filter(([, v]) => v !== "").map(([oid, v]) => ({ oid, value: Buffer.from(v, "utf8") })),
    ...der.filter(([, v]) => v !== "").map(([oid, v]) => ({ oid, value: derUtf8String(v) })),
  ];
}
