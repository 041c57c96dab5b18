import { type DevOidcIssuer, type GitHubRunContext, startDevOidcIssuer } from "../../../devnet/oidc";
import type { GitHubClaims } from "../../../gateway/src/oidc/claims";
import { type PolicyIdentity, verifyRunnerIdentity } from "../../../gateway/src/oidc/identity";
import { createJwksSource } from "../../../gateway/src/oidc/jwks";
import { verifyRunnerToken } from "../../../gateway/src/oidc/verifyToken";
import { AUDIENCE, WORKFLOW, expectGatewayError, fetchIdToken, manualClock, policyIdentity } from "./fixtures";

describe("gateway/oidc verifyRunnerIdentity", () => {
  const time = manualClock();
  let issuer: DevOidcIssuer;
  let jwks: ReturnType<typeof createJwksSource>;

  before(async () => {
    issuer = await startDevOidcIssuer({ clock: time.clock });
    jwks = createJwksSource({ url: issuer.jwksUri, fetch, clock: time.clock });
  });
  after(() => issuer.stop());

  /** Claims of a run registered at the issuer, fetched over the runner protocol and verified. */
  async function claimsOf(context: Partial<GitHubRunContext> = {}): Promise<GitHubClaims> {
    const token = await fetchIdToken(issuer.registerRun(context), AUDIENCE);
    return verifyRunnerToken(token, {
      jwks,
      issuer: issuer.issuer,
      audience: AUDIENCE,
      clock: time.clock,
      leewaySeconds: 60,
    });
  }
  const policy = (overrides: Partial<PolicyIdentity> = {}) => policyIdentity(issuer.issuer, overrides);

  it("admits the run the capsule names", async () => {
    verifyRunnerIdentity(await claimsOf(), policy());
    verifyRunnerIdentity(
      await claimsOf({ ref: "refs/tags/v1" }),
      policy({ refs: ["refs/heads/main", "refs/tags/v1"] }),
    );
  });

  it("refuses a run of another repository", async () => {
    const claims = await claimsOf({ repository: "evil-org/octo-repo", workflowRef: `${WORKFLOW}@refs/heads/main` });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_REPOSITORY_MISMATCH", 403);
  });

  it("refuses a recreated repository: same name, another repository_id", async () => {
    const claims = await claimsOf({ repositoryId: "999999999" });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_REPOSITORY_ID_MISMATCH", 403);
  });

  it("refuses a caller's workflow_ref where the job_workflow_ref must match (a reusable workflow of someone else)", async () => {
    const claims = await claimsOf({
      workflowRef: `${WORKFLOW}@refs/heads/main`,
      jobWorkflowRef: "evil-org/tools/.github/workflows/steal.yml@refs/heads/main",
    });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_WORKFLOW_MISMATCH", 403);
  });

  it("refuses another workflow file of the same repository", async () => {
    const claims = await claimsOf({
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml.evil@refs/heads/main",
    });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_WORKFLOW_MISMATCH", 403);
  });

  it("refuses the job workflow at a ref the capsule does not allow", async () => {
    const branch = await claimsOf({ ref: "refs/heads/attacker-branch" });
    await expectGatewayError(() => verifyRunnerIdentity(branch, policy()), "IDENTITY_REF_NOT_ALLOWED", 403);
    const prefix = await claimsOf({ ref: "refs/heads/main-evil" });
    await expectGatewayError(() => verifyRunnerIdentity(prefix, policy()), "IDENTITY_REF_NOT_ALLOWED", 403);
  });

  it("refuses an event the capsule does not allow (a pull request from a fork)", async () => {
    const claims = await claimsOf({ eventName: "pull_request_target" });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_EVENT_MISMATCH", 403);
  });

  it("refuses a self-hosted runner when only GitHub-hosted ones are allowed", async () => {
    const claims = await claimsOf({ runnerEnvironment: "self-hosted" });
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy()), "IDENTITY_RUNNER_MISMATCH", 403);
    verifyRunnerIdentity(claims, policy({ runnerEnvironments: ["github-hosted", "self-hosted"] }));
  });

  it("refuses a capsule written for another issuer or another gateway's audience", async () => {
    const claims = await claimsOf();
    await expectGatewayError(
      () => verifyRunnerIdentity(claims, policy({ issuer: "https://token.actions.githubusercontent.com" })),
      "IDENTITY_ISSUER_MISMATCH",
      403,
    );
    await expectGatewayError(
      () => verifyRunnerIdentity(claims, policy({ audience: `${AUDIENCE}0` })),
      "IDENTITY_AUDIENCE_MISMATCH",
      403,
    );
  });

  it("admits nothing when a capsule list is empty", async () => {
    const claims = await claimsOf();
    await expectGatewayError(() => verifyRunnerIdentity(claims, policy({ refs: [] })), "IDENTITY_REF_NOT_ALLOWED", 403);
    await expectGatewayError(
      () => verifyRunnerIdentity(claims, policy({ eventNames: [] })),
      "IDENTITY_EVENT_MISMATCH",
      403,
    );
  });
});
