import { expect } from "chai";
import type { Hex } from "viem";

import { decryptCaps } from "../../client/src/protocol/caps";
import { type StepPermit, marketDomain, stepPermitTypes } from "../../client/src/protocol/eip712";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { openLedger } from "../../gateway/src/receipts";
import { GatewayError } from "../../gateway/src/errors";
import type { RequestContext } from "../../gateway/src/http/services";
import { stepPermitToJson } from "../../gateway/src/permits/schema";
import { fetchIdToken } from "../gateway/oidc/fixtures";
import { COMMIT, type World, startWorld } from "./support/world";

let requestCounter = 0;
function ctxWith(bearer: string | undefined): RequestContext {
  return { bearer, remoteAddress: "127.0.0.1", requestId: `r${++requestCounter}` };
}

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error("expected a GatewayError");
}

describe("e2e: gateway services on a real node and the dev OIDC issuer", function () {
  this.timeout(120_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });

  after(async () => {
    await world?.stop();
  });

  /** A run registered at the issuer, and a fresh token for this gateway's audience. */
  function runner(context: Record<string, string> = {}) {
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT, ...context });
    return {
      run,
      token: () => fetchIdToken(run, world.gateway.context.audience),
    };
  }

  async function permitFor(entitlementId: bigint, workerKey: Hex, overrides: Partial<StepPermit> = {}) {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const permit: StepPermit = {
      entitlementId,
      step: 1,
      fromStep: 0,
      runId: 27476101517n,
      runAttempt: 1,
      workerKey,
      commit: `0x${COMMIT}`,
      policyHash: world.policy.policyHash,
      gateway: world.gatewayAddress,
      deadline: now + 600n,
      ...overrides,
    };
    return { permit, signature: await world.signPermit(permit) };
  }

  it("runs the session flow: runner opens, buyer binds a permit, runner picks it up and gets its caps", async () => {
    const services = world.gateway.services;
    const id = await world.buy(3);
    const worker = generateWorkerKeyPair();
    const r = runner();
    const session = await services.openSession(ctxWith(await r.token()), {
      entitlementId: id.toString(),
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    });
    const listed = await services.listSessions(ctxWith(undefined), id.toString());
    expect(listed.map((s) => s.id)).to.deep.equal([session.id]);
    expect(listed[0]!.runId).to.equal("27476101517");

    const { permit, signature } = await permitFor(id, session.workerKey);
    await services.attachPermit(ctxWith(undefined), session.id, { permit: stepPermitToJson(permit), signature });
    const picked = await services.sessionPermit(ctxWith(undefined), session.id);
    expect(picked.signature).to.equal(signature);

    const answer = await services.releaseCaps(ctxWith(await r.token()), {
      permit: picked.permit,
      signature: picked.signature,
      workerKey: worker.publicJwk,
      policy: { capsule: world.policy.base64url },
    });
    expect(answer.redelivery).to.equal(false);
    const digest = await world.publicClient.readContract({
      address: world.market,
      abi: swarmMarketAbi,
      functionName: "hashStepPermit",
      args: [permit],
    });
    const caps = await decryptCaps(answer.jwe, worker.privateKey, {
      entitlementId: id,
      step: 1,
      permitDigest: digest,
      clock: () => new Date(),
    });
    expect(caps.stateCapIn).to.match(/^0x[0-9a-f]{64}$/);
    expect(caps.stateCapOut).to.not.equal(caps.stateCapIn);
    const receipt = (await services.receipt(answer.receiptSeq)) as { payloadType: string };
    expect(receipt.payloadType).to.equal("application/vnd.swarm.receipt+json");
  });

  it("re-delivers a lost answer to the same run and key with a fresh token, and to no one else", async () => {
    const services = world.gateway.services;
    const id = await world.buy(2);
    const worker = generateWorkerKeyPair();
    const r = runner();
    const { permit, signature } = await permitFor(id, jwkThumbprint(worker.publicJwk));
    const body = {
      permit: stepPermitToJson(permit),
      signature,
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    };
    const first = await services.releaseCaps(ctxWith(await r.token()), body);
    const again = await services.releaseCaps(ctxWith(await r.token()), body);
    expect(again.redelivery).to.equal(true);
    expect(again.txHash).to.equal(first.txHash);

    // Another key presenting the stolen permit and a token: the thumbprint does not match the permit.
    const thief = generateWorkerKeyPair();
    const stolen = await refusal(
      services.releaseCaps(ctxWith(await r.token()), { ...body, workerKey: thief.publicJwk }),
    );
    expect([stolen.code, stolen.status]).to.deep.equal(["WORKER_KEY_MISMATCH", 403]);

    // Another run of the same workflow.
    const other = runner({ runId: "999" });
    const wrongRun = await refusal(services.releaseCaps(ctxWith(await other.token()), body));
    expect(wrongRun.code).to.equal("RUN_ID_MISMATCH");
  });

  it("refuses a replayed token (same jti) and releases nothing", async () => {
    const services = world.gateway.services;
    const id = await world.buy(1);
    const worker = generateWorkerKeyPair();
    const { permit, signature } = await permitFor(id, jwkThumbprint(worker.publicJwk));
    const token = await runner().token();
    const body = {
      permit: stepPermitToJson(permit),
      signature,
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    };
    await services.releaseCaps(ctxWith(token), body);
    const replay = await refusal(services.releaseCaps(ctxWith(token), body));
    expect(replay.code).to.equal("TOKEN_REPLAYED");
  });

  it("refuses an expired permit, a permit for another gateway, and a capsule that is not the offer's", async () => {
    const services = world.gateway.services;
    const id = await world.buy(1);
    const worker = generateWorkerKeyPair();
    const key = jwkThumbprint(worker.publicJwk);
    const r = runner();
    const cases: [Partial<StepPermit>, string][] = [
      [{ deadline: 1n }, "PERMIT_EXPIRED"],
      [{ gateway: "0x00000000000000000000000000000000000000ee" }, "PERMIT_WRONG_GATEWAY"],
      [{ policyHash: `0x${"11".repeat(32)}` }, "POLICY_MISMATCH"],
      [{ entitlementId: 999n }, "ENTITLEMENT_UNKNOWN"],
      [{ step: 2, fromStep: 1 }, "PERMIT_STEP_OUT_OF_ORDER"],
    ];
    for (const [overrides, code] of cases) {
      const { permit, signature } = await permitFor(id, key, overrides);
      const body = {
        permit: stepPermitToJson(permit),
        signature,
        workerKey: worker.publicJwk,
        policy: { hash: world.policy.policyHash },
      };
      const err = await refusal(services.releaseCaps(ctxWith(await r.token()), body));
      expect(
        err.code,
        JSON.stringify(overrides, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      ).to.equal(code);
    }
    const entitlement = await world.gateway.context.reader.entitlement(id);
    expect(entitlement.consumed).to.equal(0);
  });

  it("refuses a permit signed for another chain or another market", async () => {
    const services = world.gateway.services;
    const id = await world.buy(1);
    const worker = generateWorkerKeyPair();
    const { permit } = await permitFor(id, jwkThumbprint(worker.publicJwk));
    for (const domain of [marketDomain(1, world.market), marketDomain(31337, world.gatewayAddress)]) {
      const signature = await world.buyer.signTypedData({
        domain,
        types: stepPermitTypes,
        primaryType: "StepPermit",
        message: permit,
      });
      const body = {
        permit: stepPermitToJson(permit),
        signature,
        workerKey: worker.publicJwk,
        policy: { hash: world.policy.policyHash },
      };
      const err = await refusal(services.releaseCaps(ctxWith(await runner().token()), body));
      expect(err.code).to.equal("PERMIT_SIGNATURE_INVALID");
    }
    expect((await world.gateway.context.reader.entitlement(id)).consumed).to.equal(0);
  });

  it("refuses a runner from another repository or commit", async () => {
    const services = world.gateway.services;
    const id = await world.buy(1);
    const worker = generateWorkerKeyPair();
    const { permit, signature } = await permitFor(id, jwkThumbprint(worker.publicJwk));
    const body = {
      permit: stepPermitToJson(permit),
      signature,
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    };
    const cases: [Record<string, string>, string][] = [
      [{ repositoryId: "1" }, "IDENTITY_REPOSITORY_ID_MISMATCH"],
      [{ jobWorkflowSha: "1".repeat(40) }, "COMMIT_MISMATCH"],
      [{ sha: "2".repeat(40) }, "SHA_MISMATCH"],
      [{ runAttempt: "2" }, "RUN_ATTEMPT_MISMATCH"],
    ];
    for (const [context, code] of cases) {
      const err = await refusal(services.releaseCaps(ctxWith(await runner(context).token()), body));
      expect(err.code, JSON.stringify(context)).to.equal(code);
    }
    expect((await world.gateway.context.reader.entitlement(id)).consumed).to.equal(0);
  });

  it("writes every decision to a ledger whose chain verifies on reopen", async () => {
    const head = world.gateway.ledger.head();
    const lines = await world.gateway.ledger.range(0, head.size, 1000);
    const kinds = lines.map(
      (l) => (JSON.parse(Buffer.from(l.envelope.payload, "base64").toString()) as { kind: string }).kind,
    );
    expect(new Set(kinds)).to.include.keys("released", "refused", "session");
    await world.gateway.ledger.close();
    const reopened = await openLedger({
      path: world.ledgerPath,
      signer: world.receiptKey,
      issuer: world.gateway.context.receiptIssuer,
      clock: () => new Date(),
    });
    expect(reopened.opened).to.deep.include({ size: head.size, repair: undefined });
    await reopened.close();
  });
});
