import { type Hex, isAddressEqual } from "viem";
import { z } from "zod";

import { epochSeconds } from "../../../client/src/protocol/clock";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { deriveStepCaps } from "../caps/deriveStepCaps";
import { encryptCaps } from "../caps/release";
import type { EntitlementFacts, OfferFacts } from "../chain/marketReader";
import { GatewayError } from "../errors";
import type { CapsAnswer, RequestContext } from "../http/services";
import { type GitHubClaims, verifyRunBinding, verifyWorkflowCommit } from "../oidc";
import { parseStepPermit, signatureJson, stepPermitJson } from "../permits/schema";
import { verifyPermitAgainstChain } from "../permits/verifyAgainstChain";
import { verifyPermitFields } from "../permits/verifyFields";
import { permitDigest, verifyPermitSignature } from "../permits/verifySignature";
import type { GatewayContext } from "./context";
import { type DecisionRecord, recordFailure } from "./decisions";
import { policyReference } from "./policies";
import { authenticateRunner, runnerActor, verifyCapsuleIdentity, verifyPolicyHash, verifyWorkerKey } from "./runner";

const capsRequest = z
  .object({ permit: stepPermitJson, signature: signatureJson, workerKey: z.unknown(), policy: policyReference })
  .strict();

/** Status of a consumed, not yet claimed step (the contract's StepStatus.Consumed). */
const STEP_CONSUMED = 1;

/**
 * POST /v1/caps. Checks, cheapest first, each throwing a typed refusal: the runner's token (signature, issuer,
 * audience, times, fresh jti) → the capsule is the permit's → the runner is the capsule's identity → the
 * workflow commit is the permit's → the run is the permit's → the worker key is the permit's → the permit
 * against chain state → consumption on-chain → release. A permit already consumed takes the re-delivery path.
 * Every outcome is a receipt; caps are encrypted to the worker key only after the chain reports consumption.
 */
export async function releaseCaps(ctx: GatewayContext, req: RequestContext, body: unknown): Promise<CapsAnswer> {
  const record: DecisionRecord = {
    key: `addr:${req.remoteAddress}`,
    subject: {},
    actor: {},
    intent: { action: "caps" },
  };
  try {
    const input = parseCapsRequest(body);
    const { permit } = input;
    record.subject = { entitlementId: permit.entitlementId.toString(), step: permit.step.toString() };
    const claims = await authenticateRunner(ctx, req.bearer);
    record.key = `sub:${claims.sub}`;
    record.actor = runnerActor(claims);

    const policy = ctx.policies.resolve(input.policy);
    verifyPolicyHash(policy, permit.policyHash);
    verifyCapsuleIdentity(ctx, claims, policy);
    const identity = policy.capsule.identity;
    verifyWorkflowCommit(claims, permit.commit, identity.requireShaMatch);
    verifyRunBinding(claims, permit, identity.allowUnboundRuns);
    const { workerJwk } = verifyWorkerKey(input.workerKey, permit.workerKey);

    const digest = permitDigest(permit, ctx.domain);
    const entitlement = await ctx.reader.entitlement(permit.entitlementId);
    const offer = await ctx.reader.offer(entitlement.offerId);
    const consumption =
      permit.step <= entitlement.consumed
        ? await verifyRedelivery(ctx, permit, digest, offer, claims)
        : await consumeNow(ctx, permit, input.signature, digest, entitlement, offer);

    const caps = await deriveStepCaps(
      {
        chainId: ctx.chainId,
        market: ctx.market,
        gateway: ctx.gateway,
        entitlementId: permit.entitlementId,
        purchaseBlock: entitlement.purchaseBlock,
        step: permit.step,
        fromStep: permit.fromStep,
        consumedAt: consumption.consumedAt,
        stepTimeout: BigInt(offer.stepTimeout),
        permitDigest: digest,
      },
      { secrets: ctx.secrets, routes: policy.capsule.egress.rules, netCapKey: ctx.netCapKey, clock: ctx.clock },
    );
    const jwe = await encryptCaps({
      workerJwk,
      entitlementId: permit.entitlementId,
      step: permit.step,
      permitDigest: digest,
      kv: caps.kv,
      payload: {
        stateCapIn: caps.stateCapIn,
        stateCapOut: caps.stateCapOut,
        netCap: caps.netCap,
        expiresAt: caps.expiresAt,
      },
    });
    const line = await ctx.ledger.append({
      kind: "released",
      subject: { ...record.subject, permitDigest: digest, fromStep: permit.fromStep.toString() },
      actor: { ...record.actor, workerKey: permit.workerKey.toLowerCase() },
      intent: record.intent,
      result: {
        status: "released",
        txHash: consumption.transactionHash,
        kv: caps.kv.toString(),
        expiresAt: caps.expiresAt.toString(),
        redelivery: consumption.redelivery,
      },
    });
    return {
      jwe,
      txHash: consumption.transactionHash,
      receiptSeq: line.seq.toString(),
      redelivery: consumption.redelivery,
    };
  } catch (err) {
    return recordFailure(ctx, record, err);
  }
}

/** Validates the request body's shape and parses the permit. */
export function parseCapsRequest(body: unknown) {
  const parsed = capsRequest.safeParse(body);
  if (!parsed.success)
    throw new GatewayError("REQUEST_MALFORMED", 400, `caps request: ${z.prettifyError(parsed.error)}`);
  return { ...parsed.data, permit: parseStepPermit(parsed.data.permit), signature: parsed.data.signature as Hex };
}

interface Consumed {
  transactionHash: Hex;
  consumedAt: bigint;
  redelivery: boolean;
}

/** A fresh permit: checked off-chain against chain state, then consumed on-chain before anything is derived. */
async function consumeNow(
  ctx: GatewayContext,
  permit: StepPermit,
  signature: Hex,
  digest: Hex,
  entitlement: EntitlementFacts,
  offer: OfferFacts,
): Promise<Consumed> {
  verifyPermitFields(permit, { gateway: ctx.gateway, now: BigInt(epochSeconds(ctx.clock)) });
  verifyPermitAgainstChain(permit, { entitlement, offer });
  await verifyPermitSignature(digest, signature, entitlement.signer, ctx.publicClient);
  const c = await ctx.consumer.consume(permit, signature, digest);
  return { transactionHash: c.transactionHash, consumedAt: c.consumedAt, redelivery: false };
}

/**
 * A lost answer, asked again. All four conditions of the design: the chain shows this very permit consumed
 * (digest), the worker key is the one StepConsumed emitted, the token is from the permit's run with a fresh
 * jti (checked by the caller), and the step is still consumed within its timeout. The permit deadline no
 * longer applies: the permit was used in time.
 */
async function verifyRedelivery(
  ctx: GatewayContext,
  permit: StepPermit,
  digest: Hex,
  offer: OfferFacts,
  claims: GitHubClaims,
): Promise<Consumed> {
  if (!isAddressEqual(permit.gateway, ctx.gateway)) {
    throw new GatewayError("PERMIT_WRONG_GATEWAY", 403, `expected gateway ${ctx.gateway.toLowerCase()}`);
  }
  const event = await ctx.reader.consumedEvent(permit.entitlementId, permit.step);
  if (!event || event.permitDigest !== digest) {
    throw new GatewayError("PERMIT_STEP_OUT_OF_ORDER", 403, `step ${permit.step} was consumed with another permit`);
  }
  if (event.workerKey !== permit.workerKey.toLowerCase()) {
    throw new GatewayError("WORKER_KEY_MISMATCH", 403, "expected the worker key the step was consumed for");
  }
  if (event.runId !== 0n && claims.run_id !== event.runId.toString()) {
    throw new GatewayError("RUN_ID_MISMATCH", 403, `expected a token from run ${event.runId}`);
  }
  const step = await ctx.reader.step(permit.entitlementId, permit.step);
  const endsAt = step.consumedAt + BigInt(offer.stepTimeout);
  if (step.status !== STEP_CONSUMED || BigInt(epochSeconds(ctx.clock)) >= endsAt) {
    throw new GatewayError("REDELIVERY_CLOSED", 403, "the step is no longer consumed within its timeout");
  }
  return { transactionHash: event.transactionHash, consumedAt: step.consumedAt, redelivery: true };
}
