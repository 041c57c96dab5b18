import { expect } from "chai";

import type { StepPermit } from "../../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { stepPermitToJson } from "../../../gateway/src/permits/schema";
import { fetchIdToken } from "../../gateway/oidc/fixtures";
import { COMMIT, type World } from "./world";

/**
 * Buys one step and has a runner of the pinned commit release its caps over HTTP, so the gateway appends real
 * receipts (for tests of what the ledger publishes, not of the release itself).
 */
export async function releaseOneStep(world: World): Promise<{ entitlementId: bigint; receiptSeq: string }> {
  const entitlementId = await world.buy(1);
  const worker = generateWorkerKeyPair();
  const permit: StepPermit = {
    entitlementId,
    step: 1,
    fromStep: 0,
    runId: 27476101517n,
    runAttempt: 1,
    workerKey: jwkThumbprint(worker.publicJwk),
    commit: `0x${COMMIT}`,
    policyHash: world.policy.policyHash,
    gateway: world.gatewayAddress,
    deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
  };
  const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
  const res = await fetch(`${world.url}/v1/caps`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${await fetchIdToken(run, world.gateway.context.audience)}`,
    },
    body: JSON.stringify({
      permit: stepPermitToJson(permit),
      signature: await world.signPermit(permit),
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    }),
  });
  const answer = (await res.json()) as { receiptSeq: string };
  expect(res.status).to.equal(200);
  return { entitlementId, receiptSeq: answer.receiptSeq };
}
