import type { Hex } from "viem";

import type { ParsedPolicyCapsule } from "../../../client/src/protocol/policy";
import { jwkThumbprint } from "../../../client/src/protocol/keys";
import { requireRecipientJwk } from "../caps/recipient";
import { GatewayError } from "../errors";
import { type GitHubClaims, verifyFreshJti, verifyRunnerIdentity, verifyRunnerToken } from "../oidc";
import type { GatewayContext } from "./context";

/**
 * Verifies a runner's bearer token: RS256 signature, issuer, audience, times; then the subject's rate limit
 * (GitHub's `sub` is per repository and ref, so one busy repository cannot starve the others); then a jti never
 * seen before.
 */
export async function authenticateRunner(ctx: GatewayContext, bearer: string | undefined): Promise<GitHubClaims> {
  const claims = await verifyRunnerToken(bearer, {
    jwks: ctx.jwks,
    issuer: ctx.issuer,
    audience: ctx.audience,
    clock: ctx.clock,
    leewaySeconds: ctx.leewaySeconds,
  });
  const allowed = ctx.subjectLimiter.take(claims.sub);
  if (!allowed.allowed) {
    throw new GatewayError(
      "RATE_LIMITED",
      429,
      `too many requests for ${claims.sub}: retry in ${allowed.retryAfterSeconds} s`,
    );
  }
  await verifyFreshJti(claims, ctx.jti);
  return claims;
}

/** The runner must be the capsule's identity, and the capsule must have been written for this gateway. */
export function verifyCapsuleIdentity(ctx: GatewayContext, claims: GitHubClaims, policy: ParsedPolicyCapsule): void {
  const identity = policy.capsule.identity;
  if (identity.audience !== ctx.audience) {
    throw new GatewayError("POLICY_AUDIENCE_MISMATCH", 403, `expected a capsule for ${ctx.audience}`);
  }
  verifyRunnerIdentity(claims, identity);
}

/** The capsule the runner named must be the one the permit (and so the offer) pins. */
export function verifyPolicyHash(policy: ParsedPolicyCapsule, expected: Hex): void {
  if (policy.policyHash !== expected.toLowerCase()) {
    throw new GatewayError(
      "POLICY_MISMATCH",
      403,
      `expected policy ${expected.toLowerCase()}, got ${policy.policyHash}`,
    );
  }
}

/** Parses the runner's X25519 JWK and checks its RFC 7638 thumbprint against the key the permit names. */
export function verifyWorkerKey(jwk: unknown, expected: Hex) {
  const workerJwk = requireRecipientJwk(jwk);
  const thumbprint = jwkThumbprint(workerJwk);
  if (thumbprint !== expected.toLowerCase()) {
    throw new GatewayError(
      "WORKER_KEY_MISMATCH",
      403,
      `expected a worker key with thumbprint ${expected.toLowerCase()}`,
    );
  }
  return { workerJwk, thumbprint };
}

/** What receipts record of a runner: never the token, only the identity it proved. */
export function runnerActor(claims: GitHubClaims) {
  return {
    sub: claims.sub,
    repository: claims.repository,
    repositoryId: claims.repository_id,
    runId: claims.run_id,
    runAttempt: claims.run_attempt,
    jobWorkflowRef: claims.job_workflow_ref,
  };
}
