import { type Hex, isAddressEqual } from "viem";
import { z } from "zod";

import { epochSeconds } from "../../../client/src/protocol/clock";
import { GatewayError } from "../errors";
import type { RequestContext, SessionView } from "../http/services";
import { parseStepPermit, signatureJson, stepPermitJson, stepPermitToJson } from "../permits/schema";
import { verifyPermitAgainstChain } from "../permits/verifyAgainstChain";
import { verifyPermitFields } from "../permits/verifyFields";
import { permitDigest, verifyPermitSignature } from "../permits/verifySignature";
import { requireRecipientJwk } from "../caps/recipient";
import { jwkThumbprint } from "../../../client/src/protocol/keys";
import type { GatewayContext } from "./context";
import { type DecisionRecord, recordFailure } from "./decisions";
import { policyReference } from "./policies";
import { authenticateRunner, runnerActor, verifyCapsuleIdentity, verifyPolicyHash } from "./runner";
import type { Session } from "./sessionStore";

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

const openSessionRequest = z
  .object({ entitlementId: z.string().regex(DECIMAL), workerKey: z.unknown(), policy: policyReference })
  .strict();

const attachPermitRequest = z.object({ permit: stepPermitJson, signature: signatureJson }).strict();

/**
 * POST /v1/sessions: a runner registers its run and worker key. The run comes from the verified token, not
 * from the body; the token must be the capsule's identity and the capsule the entitlement's offer's. The
 * session is recorded as a receipt.
 */
export async function openSession(ctx: GatewayContext, req: RequestContext, body: unknown): Promise<SessionView> {
  const record: DecisionRecord = {
    key: `addr:${req.remoteAddress}`,
    subject: {},
    actor: {},
    intent: { action: "session" },
  };
  try {
    const parsed = openSessionRequest.safeParse(body);
    if (!parsed.success) throw new GatewayError("REQUEST_MALFORMED", 400, `session: ${z.prettifyError(parsed.error)}`);
    const entitlementId = BigInt(parsed.data.entitlementId);
    record.subject = { entitlementId: entitlementId.toString() };
    const claims = await authenticateRunner(ctx, req.bearer);
    record.key = `sub:${claims.sub}`;
    record.actor = runnerActor(claims);
    const workerJwk = requireRecipientJwk(parsed.data.workerKey);
    const policy = ctx.policies.resolve(parsed.data.policy);
    const entitlement = await ctx.reader.entitlement(entitlementId);
    const offer = await ctx.reader.offer(entitlement.offerId);
    verifyPolicyHash(policy, offer.policyHash);
    verifyCapsuleIdentity(ctx, claims, policy);
    if (!isAddressEqual(offer.gateway, ctx.gateway)) {
      throw new GatewayError("PERMIT_WRONG_GATEWAY", 403, "the entitlement's offer names another gateway");
    }
    const workerKey = jwkThumbprint(workerJwk);
    const now = epochSeconds(ctx.clock);
    const line = await ctx.ledger.append({
      kind: "session",
      subject: record.subject,
      actor: { ...record.actor, workerKey },
      intent: record.intent,
      result: { status: "opened" },
    });
    const session = ctx.sessions.add(
      {
        entitlementId,
        runId: BigInt(claims.run_id),
        runAttempt: Number(claims.run_attempt),
        repository: claims.repository,
        workerJwk,
        workerKey,
        createdAt: now,
        receiptSeq: line.seq,
      },
      now,
    );
    return sessionView(session);
  } catch (err) {
    return recordFailure(ctx, record, err);
  }
}

/** GET /v1/sessions?entitlementId=: the runners waiting on an entitlement (public: nothing in them is secret). */
export async function listSessions(ctx: GatewayContext, entitlementId: string): Promise<SessionView[]> {
  if (!DECIMAL.test(entitlementId)) throw new GatewayError("QUERY_INVALID", 400, "expected a decimal entitlementId");
  return ctx.sessions.forEntitlement(BigInt(entitlementId), epochSeconds(ctx.clock)).map(sessionView);
}

/**
 * POST /v1/sessions/:id/permit: the buyer's side hands over a permit bound to the session's run and key. It is
 * checked as the contract would check it (so a runner never waits on a permit that cannot be consumed).
 */
export async function attachPermit(ctx: GatewayContext, sessionId: string, body: unknown): Promise<SessionView> {
  const now = epochSeconds(ctx.clock);
  const session = ctx.sessions.get(sessionId, now);
  const parsed = attachPermitRequest.safeParse(body);
  if (!parsed.success) throw new GatewayError("REQUEST_MALFORMED", 400, `permit: ${z.prettifyError(parsed.error)}`);
  const permit = parseStepPermit(parsed.data.permit);
  const signature = parsed.data.signature as Hex;
  if (permit.entitlementId !== session.entitlementId) {
    throw new GatewayError(
      "SESSION_PERMIT_MISMATCH",
      403,
      `expected a permit for entitlement ${session.entitlementId}`,
    );
  }
  if (permit.workerKey.toLowerCase() !== session.workerKey) {
    throw new GatewayError("SESSION_PERMIT_MISMATCH", 403, "expected a permit bound to the session's worker key");
  }
  const sameRun =
    permit.runId === session.runId && (permit.runAttempt === 0 || permit.runAttempt === session.runAttempt);
  if (permit.runId !== 0n && !sameRun) {
    throw new GatewayError("SESSION_PERMIT_MISMATCH", 403, `expected a permit bound to run ${session.runId}`);
  }
  verifyPermitFields(permit, { gateway: ctx.gateway, now: BigInt(now) });
  const entitlement = await ctx.reader.entitlement(permit.entitlementId);
  const offer = await ctx.reader.offer(entitlement.offerId);
  verifyPermitAgainstChain(permit, { entitlement, offer });
  await verifyPermitSignature(permitDigest(permit, ctx.domain), signature, entitlement.signer, ctx.publicClient);
  session.permit = { permit, signature };
  return sessionView(session);
}

/** GET /v1/sessions/:id/permit: the runner picks its permit up (404 `PERMIT_NOT_READY` until one is attached). */
export function sessionPermit(ctx: GatewayContext, sessionId: string) {
  const session = ctx.sessions.get(sessionId, epochSeconds(ctx.clock));
  if (!session.permit) throw new GatewayError("PERMIT_NOT_READY", 404, "no permit has been attached yet");
  return { permit: stepPermitToJson(session.permit.permit), signature: session.permit.signature };
}

/** The public view of a session. */
export function sessionView(s: Session): SessionView {
  return {
    id: s.id,
    entitlementId: s.entitlementId.toString(),
    runId: s.runId.toString(),
    runAttempt: s.runAttempt.toString(),
    repository: s.repository,
    workerKey: s.workerKey,
    workerJwk: { kty: s.workerJwk.kty, crv: s.workerJwk.crv, x: s.workerJwk.x },
    createdAt: new Date(s.createdAt * 1000).toISOString(),
    expiresAt: new Date(s.expiresAt * 1000).toISOString(),
    receiptSeq: s.receiptSeq.toString(),
    hasPermit: s.permit !== undefined,
  };
}
