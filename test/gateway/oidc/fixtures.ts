import { expect } from "chai";
import type { Clock } from "../../../client/src/protocol/clock";
import { GatewayError } from "../../../gateway/src/errors";
import { expectedAudience } from "../../../client/src/protocol/policy";
import type { GitHubClaims } from "../../../gateway/src/oidc/claims";
import type { PolicyIdentity } from "../../../gateway/src/oidc/identity";

/** A clock the test moves by hand, starting at a fixed instant. */
export interface ManualClock {
  clock: Clock;
  /** Current time in whole seconds. */
  seconds(): number;
  advance(seconds: number): void;
}

/** A manual clock starting at `startSeconds` (default 2026-06-13T19:01:04Z). */
export function manualClock(startSeconds = 1_781_377_264): ManualClock {
  let ms = startSeconds * 1000;
  return {
    clock: () => new Date(ms),
    seconds: () => Math.floor(ms / 1000),
    advance: (seconds) => void (ms += seconds * 1000),
  };
}

/** Asserts that `action` throws (or rejects with) a `GatewayError` with exactly this code and status. */
export async function expectGatewayError(action: () => unknown, code: string, status: number): Promise<GatewayError> {
  let failure: unknown;
  try {
    await action();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) expect.fail(`expected ${code}, but nothing was thrown`);
  if (!(failure instanceof GatewayError)) throw failure;
  expect(failure.code, failure.message).to.equal(code);
  expect(failure.status).to.equal(status);
  return failure;
}

export const MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const GATEWAY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const OTHER_GATEWAY = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
/** This gateway's audience on a local chain. */
export const AUDIENCE = expectedAudience(31337n, MARKET, GATEWAY);

export const COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";
export const WORKFLOW = "octo-org/octo-repo/.github/workflows/step.yml";

/** The capsule identity that admits the devnet issuer's default run. */
export function policyIdentity(issuer: string, overrides: Partial<PolicyIdentity> = {}): PolicyIdentity {
  return {
    issuer,
    audience: AUDIENCE,
    repository: "octo-org/octo-repo",
    repositoryId: "632596897",
    jobWorkflowRef: WORKFLOW,
    refs: ["refs/heads/main"],
    eventNames: ["workflow_dispatch", "push"],
    runnerEnvironments: ["github-hosted"],
    requireShaMatch: true,
    allowUnboundRuns: false,
    ...overrides,
  };
}

/** Verified claims of the devnet issuer's default run, for the checks that run after token verification. */
export function defaultClaims(overrides: Partial<GitHubClaims> = {}): GitHubClaims {
  return {
    iss: "http://127.0.0.1:1",
    aud: AUDIENCE,
    sub: "repo:octo-org/octo-repo:ref:refs/heads/main",
    jti: "0d562f83-1de2-41f8-845d-82e8925cc070",
    exp: 1_781_377_564,
    nbf: 1_781_376_964,
    iat: 1_781_377_264,
    repository: "octo-org/octo-repo",
    repository_id: "632596897",
    ref: "refs/heads/main",
    sha: COMMIT,
    event_name: "workflow_dispatch",
    run_id: "27476101517",
    run_attempt: "1",
    job_workflow_ref: `${WORKFLOW}@refs/heads/main`,
    job_workflow_sha: COMMIT,
    workflow_ref: `${WORKFLOW}@refs/heads/main`,
    runner_environment: "github-hosted",
    ...overrides,
  };
}

/** What `@actions/core`'s `getIDToken` does: GET the request URL plus `&audience=`, with the request token as bearer. */
export async function fetchIdToken(
  run: { requestUrl: string; requestToken: string },
  audience?: string,
): Promise<string> {
  const url = audience === undefined ? run.requestUrl : `${run.requestUrl}&audience=${encodeURIComponent(audience)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${run.requestToken}` } });
  if (response.status !== 200) throw new Error(`expected 200 from the token endpoint, got ${response.status}`);
  const body = (await response.json()) as { value?: unknown };
  if (typeof body.value !== "string") throw new Error("expected a string `value` in the token response");
  return body.value;
}

/** The decoded payload of a compact JWS (no verification). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The decoded header of a compact JWS (no verification). */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
}
