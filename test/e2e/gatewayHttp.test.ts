import { expect } from "chai";
import type { Hex } from "viem";

import { marketDomain, type StepPermit, type StateKeyRequest } from "../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import {
  decryptStateKeys,
  stateKeyRequestToJson,
  stateKeyRequestTypedData,
} from "../../client/src/protocol/stateKeyRequest";
import { stepPermitToJson } from "../../gateway/src/permits/schema";
import { fetchIdToken } from "../gateway/oidc/fixtures";
import { COMMIT, type World, startWorld } from "./support/world";

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

describe("e2e: the gateway over HTTP", function () {
  this.timeout(120_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });

  after(async () => {
    await world?.stop();
  });

  async function post(path: string, body: unknown, bearer?: string): Promise<Answer> {
    const res = await fetch(`${world.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer["body"] };
  }

  function token(): Promise<string> {
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    return fetchIdToken(run, world.gateway.context.audience);
  }

  async function capsBody(entitlementId: bigint) {
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
    const signature = await world.signPermit(permit);
    return {
      permit,
      body: {
        permit: stepPermitToJson(permit),
        signature,
        workerKey: worker.publicJwk,
        policy: { hash: world.policy.policyHash },
      },
    };
  }

  it("releases caps over HTTP and answers a replay of the permit from another key with 403", async () => {
    const id = await world.buy(1);
    const { body } = await capsBody(id);
    const ok = await post("/v1/caps", body, await token());
    expect(ok.status).to.equal(200);
    expect(ok.body.jwe).to.be.a("string");
    const thief = generateWorkerKeyPair();
    const replay = await post("/v1/caps", { ...body, workerKey: thief.publicJwk }, await token());
    expect([replay.status, replay.body.error?.code]).to.deep.equal([403, "WORKER_KEY_MISMATCH"]);
  });

  it("answers 503 and releases nothing while the chain is down, and recovers when it is back", async () => {
    const id = await world.buy(1);
    const { body } = await capsBody(id);
    world.rpcProxy.setDown(true);
    try {
      const down = await post("/v1/caps", body, await token());
      expect([down.status, down.body.error?.code]).to.deep.equal([503, "CHAIN_UNAVAILABLE"]);
      expect(down.body.jwe).to.equal(undefined);
    } finally {
      world.rpcProxy.setDown(false);
    }
    const back = await post("/v1/caps", body, await token());
    expect(back.status).to.equal(200);
  });

  it("answers 503 while the JWKS is down, and recovers when it is back", async () => {
    const id = await world.buy(1);
    const { body } = await capsBody(id);
    await world.issuer.rotateKey(); // an unknown kid forces a JWKS fetch
    const rotated = await token();
    world.issuer.setJwksAvailable(false);
    await new Promise((r) => setTimeout(r, 1_100)); // past the refetch cooldown configured for the world
    try {
      const down = await post("/v1/caps", body, rotated);
      expect([down.status, down.body.error?.code]).to.deep.equal([503, "JWKS_UNAVAILABLE"]);
    } finally {
      world.issuer.setJwksAvailable(true);
    }
    await new Promise((r) => setTimeout(r, 1_100)); // the refetch cooldown configured for the world
    const back = await post("/v1/caps", body, await token());
    expect(back.status, JSON.stringify(back.body)).to.equal(200);
  });

  it("never answers 5xx to malformed JSON, wrong types, or missing fields, and releases nothing", async () => {
    const id = await world.buy(1);
    const { body } = await capsBody(id);
    const bad: unknown[] = [
      "{",
      "null",
      "[]",
      { ...body, permit: { ...body.permit, step: 1 } },
      { ...body, signature: 12 },
      { ...body, workerKey: { kty: "OKP", crv: "X25519", x: "AAAA", d: "secret" } },
      { ...body, policy: { capsule: "!!!" } },
      { ...body, extra: true },
      {},
    ];
    for (const b of bad) {
      const answer = await post("/v1/caps", b, await token());
      expect(answer.status, JSON.stringify(b)).to.be.within(400, 499);
      expect(answer.body.error?.code).to.be.a("string");
    }
    expect((await world.gateway.context.reader.entitlement(id)).consumed).to.equal(0);
  });

  it("gives the buyer the genesis state key at once and refuses an unsettled step's key", async () => {
    const id = await world.buy(2);
    const recipient = generateWorkerKeyPair();
    const request = (toStep: number): StateKeyRequest => ({
      entitlementId: id,
      fromStep: 0,
      toStep,
      recipientKey: jwkThumbprint(recipient.publicJwk),
      gateway: world.gatewayAddress,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 120),
    });
    const sign = (r: StateKeyRequest): Promise<Hex> =>
      world.buyer.signTypedData(stateKeyRequestTypedData(marketDomain(31337, world.market), r));

    const genesis = request(0);
    const ok = await post("/v1/state-keys", {
      request: stateKeyRequestToJson(genesis),
      signature: await sign(genesis),
      recipientJwk: recipient.publicJwk,
    });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    const { keys } = await decryptStateKeys(ok.body.jwe as string, recipient.privateKey, genesis);
    expect([...keys.keys()]).to.deep.equal([0]);

    const early = request(1);
    const refused = await post("/v1/state-keys", {
      request: stateKeyRequestToJson(early),
      signature: await sign(early),
      recipientJwk: recipient.publicJwk,
    });
    expect([refused.status, refused.body.error?.code]).to.deep.equal([403, "STATE_KEY_STEP_NOT_SETTLED"]);

    const other = generateWorkerKeyPair();
    const swapped = await post("/v1/state-keys", {
      request: stateKeyRequestToJson({ ...genesis, recipientKey: jwkThumbprint(other.publicJwk) }),
      signature: await sign(genesis),
      recipientJwk: other.publicJwk,
    });
    expect([swapped.status, swapped.body.error?.code]).to.deep.equal([403, "STATE_KEY_SIGNATURE_INVALID"]);
  });

  it("publishes GatewayKeys signed by the gateway address", async () => {
    const res = await fetch(`${world.url}/.well-known/swarm-gateway.json`);
    const doc = (await res.json()) as {
      gateway: string;
      gatewayKeys: { message: Record<string, string>; signature: Hex };
    };
    const { recoverTypedDataAddress } = await import("viem");
    const { gatewayKeysTypes } = await import("../../client/src/protocol/eip712");
    const m = doc.gatewayKeys.message;
    const signer = await recoverTypedDataAddress({
      domain: marketDomain(31337, world.market),
      types: gatewayKeysTypes,
      primaryType: "GatewayKeys",
      message: {
        gateway: m.gateway as Hex,
        netCapKid: m.netCapKid as Hex,
        receiptKid: m.receiptKid as Hex,
        notBefore: BigInt(m.notBefore!),
      },
      signature: doc.gatewayKeys.signature,
    });
    expect(signer.toLowerCase()).to.equal(doc.gateway);
  });
});
