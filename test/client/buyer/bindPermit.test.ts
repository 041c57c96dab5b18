import { expect } from "chai";
import { Wallet } from "ethers";
import { type Hex, type PublicClient, createWalletClient, http, keccak256, toHex } from "viem";

import { bindPermit, listSessions, parseRunnerSession, purchase, setPermitSigner } from "../../../client/src/buyer";
import type { MarketReader, MarketWriter } from "../../../client/src/chain/clients";
import { readEntitlement } from "../../../client/src/chain/read";
import { type GatewayClient, createGatewayClient } from "../../../client/src/gateway/client";
import { decryptCaps } from "../../../client/src/protocol/caps";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { buildPolicyCapsule, parsePolicyCapsule } from "../../../client/src/protocol/policy";
import { fromEthersSigner, fromViemAccount } from "../../../client/src/signer";
import { fetchIdToken } from "../../gateway/oidc/fixtures";
import { COMMIT, type World, startWorld } from "../../e2e/support/world";
import { expectCode } from "../chain/fixture";

const DEV_RUN_ID = 27476101517n;
const clock = () => new Date();
const inTenMinutes = () => BigInt(Math.floor(Date.now() / 1000) + 600);

describe("client/buyer/bindPermit (against a local chain, issuer and gateway)", function () {
  this.timeout(120_000);
  let world: World;
  let gateway: GatewayClient;
  let reader: MarketReader;
  let buyer: MarketWriter;

  before(async () => {
    world = await startWorld();
    gateway = createGatewayClient(world.url, fetch);
    reader = { publicClient: world.publicClient as PublicClient, market: world.market };
    const wallet = createWalletClient({
      account: world.buyer,
      chain: world.publicClient.chain,
      transport: http(world.node.url),
    });
    buyer = { ...reader, wallet };
  });

  after(async () => {
    await world?.stop();
  });

  /** The runner's side: a fresh token of the dev run, and a session with a new worker key. */
  async function runnerOpens(entitlementId: bigint) {
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    const token = () => fetchIdToken(run, world.gateway.context.audience);
    const worker = generateWorkerKeyPair();
    const policy = { hash: world.policy.policyHash };
    await gateway.openSession(await token(), { entitlementId, workerKey: worker.publicJwk, policy });
    return { token, worker, policy };
  }

  async function buy(steps: number): Promise<bigint> {
    return (await purchase(buyer, { offerId: world.offerId, steps })).entitlementId;
  }

  it("answers a runner's session with a bound permit that the runner picks up and the gateway consumes", async () => {
    const id = await buy(1);
    const runner = await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    expect([session!.runId, session!.workerKey, session!.hasPermit]).to.deep.equal([
      DEV_RUN_ID,
      jwkThumbprint(runner.worker.publicJwk),
      false,
    ]);

    const bound = await bindPermit(reader, gateway, {
      session: session!,
      signer: fromViemAccount(world.buyer),
      deadline: inTenMinutes(),
      clock,
      expect: { capsule: world.policy.bytes, runId: DEV_RUN_ID },
    });
    expect(bound.session.hasPermit).to.equal(true);
    expect([bound.permit.step, bound.permit.fromStep, bound.permit.runId]).to.deep.equal([1, 0, DEV_RUN_ID]);

    const picked = await gateway.sessionPermit(session!.id);
    expect(picked!.signature).to.equal(bound.signature);
    const released = await gateway.releaseCaps(await runner.token(), {
      permit: bound.permit,
      signature: bound.signature,
      workerKey: runner.worker.publicJwk,
      policy: runner.policy,
    });
    const caps = await decryptCaps(released.jwe, runner.worker.privateKey, {
      entitlementId: id,
      step: 1,
      permitDigest: bound.digest,
      clock,
    });
    expect(caps.stateCapOut).to.match(/^0x[0-9a-f]{64}$/);
    expect((await readEntitlement(reader, id)).consumed).to.equal(1);

    // Every bought step is now consumed: the next session cannot be answered.
    await runnerOpens(id);
    const [, next] = await listSessions(gateway, id);
    const err = await expectCode(
      bindPermit(reader, gateway, {
        session: next!,
        signer: fromViemAccount(world.buyer),
        deadline: inTenMinutes(),
        clock,
      }),
      "MARKET_STEPS_EXHAUSTED",
    );
    expect(err.message).to.equal("StepsExhausted(step=2, bought=1)");
  });

  it("binds a permit signed by an ethers delegate key the buyer set as permit signer", async () => {
    const id = await buy(1);
    const delegate = new Wallet(keccak256(toHex("swarm/test/delegate")));
    await setPermitSigner(buyer, id, (await delegate.getAddress()) as Hex);
    await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    const signer = await fromEthersSigner(delegate);
    const bound = await bindPermit(reader, gateway, { session: session!, signer, deadline: inTenMinutes(), clock });
    expect(bound.session.hasPermit).to.equal(true);
    // The buyer's own key no longer signs for this entitlement.
    await expectCode(
      bindPermit(reader, gateway, {
        session: session!,
        signer: fromViemAccount(world.buyer),
        deadline: inTenMinutes(),
        clock,
      }),
      "BUYER_SIGNER_MISMATCH",
    );
  });

  it("refuses an unbound permit under an offer that forbids unbound runs", async () => {
    const id = await buy(1);
    await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    await expectCode(
      bindPermit(reader, gateway, {
        session: session!,
        signer: fromViemAccount(world.buyer),
        deadline: inTenMinutes(),
        clock,
        runBinding: "unbound",
      }),
      "MARKET_UNBOUND_RUN_NOT_ALLOWED",
    );
    expect(await gateway.sessionPermit(session!.id)).to.equal(undefined);
  });

  it("refuses to bind a session of a run the buyer did not trigger", async () => {
    const id = await buy(1);
    await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    await expectCode(
      bindPermit(reader, gateway, {
        session: session!,
        signer: fromViemAccount(world.buyer),
        deadline: inTenMinutes(),
        clock,
        expect: { runId: DEV_RUN_ID + 1n },
      }),
      "SESSION_IDENTITY_MISMATCH",
    );
  });

  it("refuses to vouch for a runner against a capsule that is not the offer's", async () => {
    const id = await buy(1);
    await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    const { capsule } = parsePolicyCapsule(world.policy.bytes);
    const other = buildPolicyCapsule({ ...capsule, limits: { ...capsule.limits, maxSeconds: "60" } });
    await expectCode(
      bindPermit(reader, gateway, {
        session: session!,
        signer: fromViemAccount(world.buyer),
        deadline: inTenMinutes(),
        clock,
        expect: { capsule: other.bytes },
      }),
      "POLICY_HASH_MISMATCH",
    );
  });

  it("refuses a permit deadline that has already passed", async () => {
    const id = await buy(1);
    await runnerOpens(id);
    const [session] = await listSessions(gateway, id);
    await expectCode(
      bindPermit(reader, gateway, {
        session: session!,
        signer: fromViemAccount(world.buyer),
        deadline: BigInt(Math.floor(Date.now() / 1000) - 1),
        clock,
      }),
      "PERMIT_DEADLINE_INVALID",
    );
  });

  it("refuses a listed session whose worker key is not its JWK's thumbprint (caps steered to another key)", async () => {
    const id = await buy(1);
    await runnerOpens(id);
    const [raw] = await gateway.listSessions(id);
    const thief = generateWorkerKeyPair().publicJwk;
    await expectCode(() => parseRunnerSession({ ...raw!, workerJwk: thief }, id), "SESSION_INVALID");
    await expectCode(() => parseRunnerSession(raw!, id + 1n), "SESSION_INVALID");
  });
});

describe("client/buyer/bindPermit under an offer that allows unbound runs", function () {
  this.timeout(120_000);
  let world: World;

  before(async () => {
    world = await startWorld({ allowUnboundRuns: true });
  });

  after(async () => {
    await world?.stop();
  });

  it("binds an unbound permit (any run, any attempt) that the gateway consumes", async () => {
    const gateway = createGatewayClient(world.url, fetch);
    const reader: MarketReader = { publicClient: world.publicClient as PublicClient, market: world.market };
    const id = await world.buy(1);
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    const worker = generateWorkerKeyPair();
    const policy = { hash: world.policy.policyHash };
    await gateway.openSession(await fetchIdToken(run, world.gateway.context.audience), {
      entitlementId: id,
      workerKey: worker.publicJwk,
      policy,
    });
    const [session] = await listSessions(gateway, id);
    const bound = await bindPermit(reader, gateway, {
      session: session!,
      signer: fromViemAccount(world.buyer),
      deadline: inTenMinutes(),
      clock,
      runBinding: "unbound",
    });
    expect([bound.permit.runId, bound.permit.runAttempt]).to.deep.equal([0n, 0]);
    await gateway.releaseCaps(await fetchIdToken(run, world.gateway.context.audience), {
      permit: bound.permit,
      signature: bound.signature,
      workerKey: worker.publicJwk,
      policy,
    });
    expect((await readEntitlement(reader, id)).consumed).to.equal(1);
  });
});
