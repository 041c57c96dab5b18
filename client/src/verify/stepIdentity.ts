import type { Certificate } from "../protocol/certificate";
import type { PolicyCapsule } from "../protocol/policy";
import type { OfferFacts } from "./chainFacts";
import { VerifyCode } from "./codes";
import { failVerify } from "./failure";
import type { ExpectedIdentity } from "./identityLayer";

/** GitHub's host: the base of every URI Fulcio derives from a GitHub Actions token. */
export const GITHUB_URL = "https://github.com";

/**
 * The run the certificate names is the capsule's workflow at an allowed ref, in the capsule's repository, at the
 * offer's commit (else FAILURE_IDENTITY_MISMATCH, or FAILURE_COMMIT_MISMATCH for the commits).
 */
export function verifyRunAgainstPolicy(cert: Certificate, capsule: PolicyCapsule, offer: OfferFacts): void {
  const id = capsule.identity;
  const at = cert.run.jobWorkflowRef.lastIndexOf("@");
  const workflow = cert.run.jobWorkflowRef.slice(0, at);
  const ref = cert.run.jobWorkflowRef.slice(at + 1);
  if (workflow !== id.jobWorkflowRef || !id.refs.includes(ref)) {
    failVerify(VerifyCode.IDENTITY_MISMATCH, `workflow ${cert.run.jobWorkflowRef} is not the policy's`);
  }
  if (cert.run.repository !== id.repository || cert.run.repositoryId !== id.repositoryId) {
    failVerify(VerifyCode.IDENTITY_MISMATCH, `repository ${cert.run.repository} (${cert.run.repositoryId})`);
  }
  const commit = offer.commit.toLowerCase();
  if (cert.run.jobWorkflowSha !== commit) failVerify(VerifyCode.COMMIT_MISMATCH, "run.jobWorkflowSha");
  if (id.requireShaMatch && cert.run.sha !== commit) failVerify(VerifyCode.COMMIT_MISMATCH, "run.sha");
}

/**
 * What the Fulcio leaf must say for this step: SAN `https://github.com/<job_workflow_ref>`, the capsule's issuer,
 * build signer digest = the offer's commit, source repository digest = the run's sha, the capsule's repository
 * (URI and identifier) and refs, run invocation URI = the certificate's run id and attempt, and the capsule's
 * runner environments and events.
 */
export function stepIdentity(cert: Certificate, capsule: PolicyCapsule, offer: OfferFacts): ExpectedIdentity {
  const id = capsule.identity;
  const run = cert.run;
  return {
    san: `${GITHUB_URL}/${run.jobWorkflowRef}`,
    issuer: id.issuer,
    buildSignerDigest: offer.commit.toLowerCase().replace(/^0x/, ""),
    sourceRepositoryDigest: run.sha.replace(/^0x/, ""),
    sourceRepositoryUri: `${GITHUB_URL}/${id.repository}`,
    sourceRepositoryIdentifier: id.repositoryId,
    sourceRepositoryRefs: id.refs,
    runInvocationUri: `${GITHUB_URL}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt}`,
    runnerEnvironments: id.runnerEnvironments,
    buildTriggers: id.eventNames,
  };
}
