import { verifyWorkflowCommit } from "../../../gateway/src/oidc/commit";
import { COMMIT, defaultClaims, expectGatewayError } from "./fixtures";

describe("gateway/oidc verifyWorkflowCommit", () => {
  const offerCommit = `0x${COMMIT}`;
  const other = "1111111111111111111111111111111111111111";

  it("admits the offer's commit, whatever the case of the offer's hex", () => {
    verifyWorkflowCommit(defaultClaims(), offerCommit, true);
    verifyWorkflowCommit(defaultClaims(), offerCommit.toUpperCase().replace("0X", "0x"), true);
  });

  it("refuses a job whose workflow ran at another commit (job_workflow_sha mismatch)", async () => {
    const claims = defaultClaims({ job_workflow_sha: other });
    await expectGatewayError(() => verifyWorkflowCommit(claims, offerCommit, false), "COMMIT_MISMATCH", 403);
  });

  it("refuses a run triggered at another commit when the capsule requires sha to match", async () => {
    const claims = defaultClaims({ sha: other });
    await expectGatewayError(() => verifyWorkflowCommit(claims, offerCommit, true), "SHA_MISMATCH", 403);
  });

  it("accepts another triggering sha when the capsule does not require it", () => {
    verifyWorkflowCommit(defaultClaims({ sha: other }), offerCommit, false);
  });

  it("refuses an offer commit that is not bytes20 hex", async () => {
    for (const bad of [COMMIT, `0x${COMMIT}00`, "0x"]) {
      await expectGatewayError(() => verifyWorkflowCommit(defaultClaims(), bad, true), "OIDC_CONFIG_INVALID", 500);
    }
  });
});
