import { verifyRunBinding } from "../../../gateway/src/oidc/run";
import { defaultClaims, expectGatewayError } from "./fixtures";

describe("gateway/oidc verifyRunBinding", () => {
  const claims = defaultClaims({ run_id: "27476101517", run_attempt: "2" });

  it("admits the bound run and attempt", () => {
    verifyRunBinding(claims, { runId: 27476101517n, runAttempt: 2 }, false);
  });

  it("refuses a token from another run", async () => {
    const permit = { runId: 27476101518n, runAttempt: 2 };
    await expectGatewayError(() => verifyRunBinding(claims, permit, false), "RUN_ID_MISMATCH", 403);
  });

  it("refuses a token from another attempt of the bound run", async () => {
    const permit = { runId: 27476101517n, runAttempt: 1 };
    await expectGatewayError(() => verifyRunBinding(claims, permit, false), "RUN_ATTEMPT_MISMATCH", 403);
  });

  it("admits any attempt when the permit's runAttempt is 0", () => {
    verifyRunBinding(claims, { runId: 27476101517n, runAttempt: 0 }, false);
    verifyRunBinding(defaultClaims({ run_attempt: "7" }), { runId: 27476101517n, runAttempt: 0 }, false);
  });

  it("refuses an unbound permit unless the capsule allows unbound runs", async () => {
    await expectGatewayError(
      () => verifyRunBinding(claims, { runId: 0n, runAttempt: 0 }, false),
      "RUN_UNBOUND_NOT_ALLOWED",
      403,
    );
    verifyRunBinding(claims, { runId: 0n, runAttempt: 0 }, true);
  });

  it("refuses an unbound permit that names an attempt", async () => {
    await expectGatewayError(
      () => verifyRunBinding(claims, { runId: 0n, runAttempt: 1 }, true),
      "RUN_ATTEMPT_MISMATCH",
      403,
    );
  });
});
