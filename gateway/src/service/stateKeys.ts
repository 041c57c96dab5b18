import type { Hex } from "viem";
import { z } from "zod";

import { parseStateKeyRequest } from "../../../client/src/protocol/stateKeyRequest";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { encryptStateKeys, verifyStateKeyRequest } from "../caps/stateKeys";
import { GatewayError } from "../errors";
import type { RequestContext } from "../http/services";
import { signatureJson } from "../permits/schema";
import type { GatewayContext } from "./context";
import { type DecisionRecord, recordFailure } from "./decisions";

/** The contract's StepStatus.Settled: the seller was paid, so the buyer owns the step's output. */
const STEP_SETTLED = 4;

const stateKeysRequest = z
  .object({ request: z.unknown(), signature: signatureJson, recipientJwk: z.unknown() })
  .strict();

/**
 * POST /v1/state-keys: a buyer-signed StateKeyRequest, answered with a JWE of the state keys to the named
 * recipient key: stateKey(0) at any time, stateKey(k ≥ 1) only once step k is settled on-chain.
 */
export async function releaseStateKeys(
  ctx: GatewayContext,
  req: RequestContext,
  body: unknown,
): Promise<{ jwe: string; receiptSeq: string }> {
  const record: DecisionRecord = {
    key: `addr:${req.remoteAddress}`,
    subject: {},
    actor: {},
    intent: { action: "state-keys" },
  };
  try {
    const parsed = stateKeysRequest.safeParse(body);
    if (!parsed.success) {
      throw new GatewayError("REQUEST_MALFORMED", 400, `state-key request: ${z.prettifyError(parsed.error)}`);
    }
    const request = parseRequest(parsed.data.request);
    record.subject = {
      entitlementId: request.entitlementId.toString(),
      fromStep: request.fromStep.toString(),
      toStep: request.toStep.toString(),
    };
    const entitlement = await ctx.reader.entitlement(request.entitlementId);
    record.key = `buyer:${entitlement.buyer.toLowerCase()}`;
    record.actor = { buyer: entitlement.buyer.toLowerCase() };
    const recipientJwk = await verifyStateKeyRequest(request, parsed.data.signature as Hex, {
      domain: ctx.domain,
      buyer: entitlement.buyer,
      gateway: ctx.gateway,
      clock: ctx.clock,
      isSettled: async (k) => (await ctx.reader.step(request.entitlementId, k)).status === STEP_SETTLED,
      recipientJwk: parsed.data.recipientJwk,
    });
    const jwe = await encryptStateKeys({
      request,
      recipientJwk,
      secrets: ctx.secrets,
      purchaseBlock: entitlement.purchaseBlock,
      chainId: ctx.chainId,
      market: ctx.market,
    });
    const line = await ctx.ledger.append({
      kind: "released",
      subject: record.subject,
      actor: { ...record.actor, recipientKey: request.recipientKey.toLowerCase() },
      intent: record.intent,
      result: { status: "released" },
    });
    return { jwe, receiptSeq: line.seq.toString() };
  } catch (err) {
    return recordFailure(ctx, record, err);
  }
}

function parseRequest(json: unknown) {
  try {
    return parseStateKeyRequest(json);
  } catch (err) {
    if (isProtocolError(err)) throw new GatewayError(err.code, 400, err.message);
    throw err;
  }
}
