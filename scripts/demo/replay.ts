import type { Hex } from "viem";

import { signStepPermit } from "../../client/src/buyer";
import { readEntitlement } from "../../client/src/chain/read";
import { GatewayRequestError } from "../../client/src/gateway/client";
import { type Clock, epochSeconds } from "../../client/src/protocol/clock";
import { type StepPermit, marketDomain } from "../../client/src/protocol/eip712";
import { type WorkerJwk, generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import type { DemoRoles } from "./roles";
import type { RunnerContext, RunnerJob, RunnerStepOutcome } from "./runner";

/** A replay the gateway refused: what was tried, and the gateway's code and status. */
export interface RefusedReplay {
  readonly attempt: string;
  readonly code: string;
  readonly status: number;
}

/** The codes the two replays must be refused with. */
export const REPLAY_CODES = { otherKey: "WORKER_KEY_MISMATCH", consumedStep: "PERMIT_STEP_OUT_OF_ORDER" } as const;

/**
 * Sends `permit` to `POST /v1/caps` as the job `job` (a fresh OIDC token of its run) with `workerKey`, and
 * requires the gateway to refuse it with `code` and the market to show no new consumption.
 */
async function expectRefused(
  ctx: RunnerContext,
  roles: DemoRoles,
  job: RunnerJob,
  attempt: { what: string; permit: StepPermit; signature: Hex; workerKey: WorkerJwk; code: string },
): Promise<RefusedReplay> {
  const before = await readEntitlement(roles.buyer, ctx.entitlementId);
  let refusal: GatewayRequestError | undefined;
  try {
    await ctx.gateway.releaseCaps(await job.idToken(), {
      permit: attempt.permit,
      signature: attempt.signature,
      workerKey: attempt.workerKey,
      policy: { capsule: Buffer.from(ctx.offer.capsuleBytes).toString("base64url") },
    });
  } catch (err) {
    if (!(err instanceof GatewayRequestError)) throw err;
    refusal = err;
  }
  if (refusal === undefined) throw new Error(`the gateway released caps for a replay (${attempt.what})`);
  if (refusal.code !== attempt.code) {
    throw new Error(`expected the replay refused with ${attempt.code}, got ${refusal.code}: ${refusal.message}`);
  }
  const after = await readEntitlement(roles.buyer, ctx.entitlementId);
  if (after.consumed !== before.consumed) throw new Error("a refused replay consumed a step");
  return { attempt: attempt.what, code: refusal.code, status: refusal.status };
}

/**
 * Two replays of step 1, both from step 1's own run (so the run check passes and the gateway's later checks
 * speak): its permit and signature sent again with another worker key, as someone who copied them would; then a
 * permit the buyer really signed for step 1 again, which the market has already consumed.
 */
export async function replayStepOne(
  ctx: RunnerContext,
  roles: DemoRoles,
  job: RunnerJob,
  step1: RunnerStepOutcome,
  clock: Clock,
): Promise<RefusedReplay[]> {
  const intruder = generateWorkerKeyPair();
  const otherKey = await expectRefused(ctx, roles, job, {
    what: "step 1's permit and signature, sent again with another worker key",
    permit: step1.permit,
    signature: step1.signature,
    workerKey: intruder.publicJwk,
    code: REPLAY_CODES.otherKey,
  });

  const again: StepPermit = {
    ...step1.permit,
    workerKey: jwkThumbprint(intruder.publicJwk),
    deadline: BigInt(epochSeconds(clock) + 600),
  };
  const domain = marketDomain(ctx.market.chainId, ctx.market.address);
  const { signature } = await signStepPermit(roles.buyerSigner, domain, again);
  const consumedStep = await expectRefused(ctx, roles, job, {
    what: "a new buyer-signed permit for step 1, which is already consumed",
    permit: again,
    signature,
    workerKey: intruder.publicJwk,
    code: REPLAY_CODES.consumedStep,
  });
  return [otherKey, consumedStep];
}
