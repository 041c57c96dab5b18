import { decodeJwt } from "jose";
import type { Hex } from "viem";

import { type RunIdentity, isJobWorkflowRefAt } from "../protocol/certificate";
import { isRepository } from "../protocol/policy/grammar";
import { RunnerErrorCode, runnerFail } from "./errors";

const DECIMAL = /^[1-9][0-9]{0,19}$/;
const UINT64_LIMIT = 1n << 64n;
const SHA1 = /^[0-9a-f]{40}$/;

/**
 * The job's identity for the certificate's `run`, read from the runner's own OIDC token (which came straight
 * from GitHub's token endpoint and which the gateway verified): repository, repository_id, run_id, run_attempt,
 * job_workflow_ref (with its @ref), job_workflow_sha and sha, the two shas written as 0x-hex, each in the
 * certificate's grammar (so a bad claim fails here, before the step runs). The signature is not checked here:
 * this is the runner describing itself, and verifiers check the attestation's identity.
 */
export function runIdentityFromToken(token: string): RunIdentity {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch (cause) {
    runnerFail(RunnerErrorCode.RUN_CLAIMS_INVALID, "expected a decodable OIDC token", cause);
  }
  const text = (name: string, test: (s: string) => boolean): string => {
    const v = claims[name];
    if (typeof v !== "string" || !test(v)) runnerFail(RunnerErrorCode.RUN_CLAIMS_INVALID, `expected claim ${name}`);
    return v;
  };
  const id = (s: string) => DECIMAL.test(s) && BigInt(s) < UINT64_LIMIT;
  return {
    repository: text("repository", isRepository),
    repositoryId: text("repository_id", id),
    runId: BigInt(text("run_id", id)),
    runAttempt: Number(text("run_attempt", (s) => id(s) && Number(s) < 2 ** 32)),
    jobWorkflowRef: text("job_workflow_ref", isJobWorkflowRefAt),
    jobWorkflowSha: `0x${text("job_workflow_sha", (s) => SHA1.test(s))}` as Hex,
    sha: `0x${text("sha", (s) => SHA1.test(s))}` as Hex,
  };
}
