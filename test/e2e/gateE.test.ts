/**
 * Gate E, end to end: a real local chain, the gateway process, the development OIDC issuer and Sigstore, the SDK
 * runner, the SDK verifier service and the SDK keeper. Every attack of the design's Gate E set is tried and must
 * end with no payout for it and the buyer's money back in the buyer's wallet: refused by the gateway before
 * anything is consumed (the buyer cancels), or consumed but never claimable (the keeper reclaims it after the
 * step timeout). The cases share one world and run in order; the last test moves the chain past the step timeout
 * and checks every refund and the buyer's withdrawal.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import pino from "pino";
import { type Address, type Hex, encodeFunctionData, keccak256, parseEventLogs, toHex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { attestCertificate } from "../../client/src/attest";
import { cancel, signStepPermit, withdraw } from "../../client/src/buyer";
import { readCredit, readEntitlement, readStep } from "../../client/src/chain/read";
import { sendChecked } from "../../client/src/chain/send";
import { GatewayRequestError } from "../../client/src/gateway/client";
import {
  type AttestationSource,
  Keeper,
  type KeeperEvent,
  folderEvidenceSource,
  httpAttestationSource,
  memoryCursorStore,
} from "../../client/src/keeper";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import { canonicalJson } from "../../client/src/protocol/jcs";
import { epochSeconds, systemClock } from "../../client/src/protocol/clock";
import { type StepPermit, marketDomain, stepAttestationTypes } from "../../client/src/protocol/eip712";
import { isProtocolError } from "../../client/src/protocol/errors";
import { jwkThumbprint } from "../../client/src/protocol/keys";
import { permitDigestOf, stepEvidenceDir } from "../../client/src/runner";
import { fromViemAccount } from "../../client/src/signer";
import { buildAttestationRequest, stepAttestationFromJson } from "../../client/src/verify";
import { devAccount } from "../../devnet/stack";
import { answerRunner } from "../../scripts/demo/buyer";
import { advanceChainTime } from "../../scripts/demo/chainTime";
import type { RunnerContext, RunnerJob } from "../../scripts/demo/runner";
import { startRunnerJob } from "../../scripts/demo/runner";
import { DEMO_PRICE, DEMO_STEP_TIMEOUT, type DemoOffer } from "../../scripts/demo/seller";
import { type DemoWorld, startDemoWorld } from "../../scripts/demo/world";

const OTHER_COMMIT = "1111111111111111111111111111111111111111";
let nextRun = 8_100_000_000n;
const runId = () => ++nextRun;

/** The gateway's refusal of `work`: its code, with the market showing nothing new consumed. */
async function refusalOf(world: DemoWorld, entitlementId: bigint, work: () => Promise<unknown>): Promise<string> {
  const before = await readEntitlement(world.roles.buyer, entitlementId);
  let code: string | undefined;
  try {
    await work();
  } catch (err) {
    if (!(err instanceof GatewayRequestError)) throw err;
    code = err.code;
  }
  expect(code, "the gateway released caps").to.not.equal(undefined);
  const after = await readEntitlement(world.roles.buyer, entitlementId);
  expect(after.consumed, "a refused request consumed a step").to.equal(before.consumed);
  return code!;
}

/** A permit for the entitlement's next step, bound to `job`, signed by the buyer (or `signer`). */
async function permitFor(
  world: DemoWorld,
  ctx: RunnerContext,
  job: RunnerJob,
  overrides: Partial<StepPermit> = {},
  signer = world.roles.buyerSigner,
): Promise<{ permit: StepPermit; signature: Hex }> {
  const e = await readEntitlement(world.roles.buyer, ctx.entitlementId);
  const permit: StepPermit = {
    entitlementId: ctx.entitlementId,
    step: e.consumed + 1,
    fromStep: 0,
    runId: job.runId,
    runAttempt: 1,
    workerKey: jwkThumbprint(job.worker.publicJwk),
    commit: ctx.offer.terms.commit,
    policyHash: ctx.offer.policyHash,
    gateway: ctx.offer.terms.gateway,
    deadline: BigInt(epochSeconds(systemClock) + 600),
    ...overrides,
  };
  const { signature } = await signStepPermit(signer, marketDomain(world.chainId, world.roles.market), permit);
  return { permit, signature };
}

/** Asks the gateway for caps with `permit` as `job` (or with `token` and `workerKey` given). */
function askCaps(
  ctx: RunnerContext,
  job: RunnerJob,
  p: { permit: StepPermit; signature: Hex },
  as: { token?: string; workerKey?: RunnerJob["worker"]["publicJwk"] } = {},
) {
  return (async () =>
    ctx.gateway.releaseCaps(as.token ?? (await job.idToken()), {
      permit: p.permit,
      signature: p.signature,
      workerKey: as.workerKey ?? job.worker.publicJwk,
      policy: { capsule: Buffer.from(ctx.offer.capsuleBytes).toString("base64url") },
    }))();
}

/** The buyer cancels the unused steps; returns the refund, which must be the price of every bought step. */
async function cancelAll(world: DemoWorld, entitlementId: bigint, steps: number): Promise<bigint> {
  const refunded = await cancel(world.roles.buyer, entitlementId);
  expect(refunded.steps).to.equal(steps);
  expect(refunded.amount).to.equal(DEMO_PRICE * BigInt(steps));
  return refunded.amount;
}

/** A step's evidence files as the runner wrote them. */
async function stepFiles(world: DemoWorld, id: bigint, step: number): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const dir = stepEvidenceDir(world.out.evidence, id, step);
  for (const name of ["certificate.json", "certificate.sigstore.json", "state.jwe", "result.jwe", "next_tokens.jwe"]) {
    files[name] = new Uint8Array(await readFile(path.join(dir, name)));
  }
  return files;
}

/** The market's events of `name` for one entitlement, as step numbers. */
async function stepsWith(world: DemoWorld, name: "StepClaimed" | "StepSettled" | "StepRefunded", id: bigint) {
  const logs = await world.roles.publicClient.getLogs({ address: world.roles.market, fromBlock: 0n });
  return parseEventLogs({ abi: swarmMarketAbi, logs, eventName: name })
    .filter((l) => l.args.entitlementId === id)
    .map((l) => l.args.step);
}

/** The code a claim sent directly to the market reverts with (at simulation: nothing is spent). */
async function claimRevert(world: DemoWorld, permit: StepPermit, attestation: unknown, signatures: Hex[]) {
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "claim",
    args: [permit, attestation as never, signatures],
  });
  try {
    await sendChecked(world.roles.keeper, { to: world.roles.market, data }, "claim");
  } catch (err) {
    return isProtocolError(err) ? err.code : String(err);
  }
  return "claimed";
}

describe("e2e: Gate E — every attack ends with no payout and the buyer's money back", function () {
  this.timeout(600_000);
  let world: DemoWorld;
  let panel: DemoOffer;
  let keeper: Keeper;
  const events: KeeperEvent[] = [];
  /** What the buyer is owed at the end: cancel refunds (credited at once) and steps the keeper must reclaim. */
  let cancelled = 0n;
  const toReclaim: { id: bigint; step: number; attack: string }[] = [];
  /** The one honest step the keeper claims (and finalizes after the window): the only payout of the run. */
  const honest: { id: bigint; step: number }[] = [];
  const outsider = privateKeyToAccount(generatePrivateKey());

  before(async () => {
    world = await startDemoWorld();
    // Two verifiers, quorum two: the development verifier and one whose key nobody here holds.
    panel = await world.publishOffer({
      verifiers: [world.verifier.address, devAccount("deployer").address],
      quorum: 2,
    });
    keeper = new Keeper({
      writer: world.roles.keeper,
      chainId: world.chainId,
      startBlock: world.services.stack.deployBlock,
      confirmations: 0,
      cursor: memoryCursorStore(),
      evidence: folderEvidenceSource(world.out.evidence),
      attestations: [httpAttestationSource("verifier", world.verifier.client)],
      clock: systemClock,
      logger: pino({ level: "silent" }),
      backoff: { initialMs: 1, maxMs: 1, factor: 1 },
      onEvent: (e) => events.push(e),
    });
  });
  after(async () => {
    await world?.stop();
  });

  describe("refused by the gateway: nothing consumed, the buyer cancels for a full refund", () => {
    it("rejects a run of the workflow at another commit (COMMIT_MISMATCH)", async () => {
      const id = await world.buy(world.offer, 1);
      const ctx = world.runner(world.offer, id);
      const code = await refusalOf(world, id, async () => {
        const job = await startRunnerJob(ctx, runId(), OTHER_COMMIT);
        await askCaps(ctx, job, await permitFor(world, ctx, job));
      });
      expect(code).to.equal("COMMIT_MISMATCH");
      cancelled += await cancelAll(world, id, 1);
    });

    it("rejects a permit naming another policy (POLICY_MISMATCH)", async () => {
      const id = await world.buy(world.offer, 1);
      const ctx = world.runner(world.offer, id);
      const job = await startRunnerJob(ctx, runId());
      const p = await permitFor(world, ctx, job, { policyHash: keccak256(toHex("another policy")) });
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p))).to.equal("POLICY_MISMATCH");
      cancelled += await cancelAll(world, id, 1);
    });

    it("rejects a permit signed by someone other than the buyer (PERMIT_SIGNATURE_INVALID)", async () => {
      const id = await world.buy(world.offer, 1);
      const ctx = world.runner(world.offer, id);
      const job = await startRunnerJob(ctx, runId());
      const p = await permitFor(world, ctx, job, {}, fromViemAccount(outsider));
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p))).to.equal("PERMIT_SIGNATURE_INVALID");
      cancelled += await cancelAll(world, id, 1);
    });

    it("rejects an expired permit (PERMIT_EXPIRED)", async () => {
      const id = await world.buy(world.offer, 1);
      const ctx = world.runner(world.offer, id);
      const job = await startRunnerJob(ctx, runId());
      const p = await permitFor(world, ctx, job, { deadline: BigInt(epochSeconds(systemClock) - 60) });
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p))).to.equal("PERMIT_EXPIRED");
      cancelled += await cancelAll(world, id, 1);
    });

    it("rejects a permit for the wrong step (PERMIT_STEP_OUT_OF_ORDER)", async () => {
      const id = await world.buy(world.offer, 2);
      const ctx = world.runner(world.offer, id);
      const job = await startRunnerJob(ctx, runId());
      const p = await permitFor(world, ctx, job, { step: 2, fromStep: 0 });
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p))).to.equal("PERMIT_STEP_OUT_OF_ORDER");
      cancelled += await cancelAll(world, id, 2);
    });

    it("rejects caps asked with another run's token (RUN_ID_MISMATCH) or for another key (WORKER_KEY_MISMATCH)", async () => {
      const id = await world.buy(world.offer, 1);
      const ctx = world.runner(world.offer, id);
      const job = await startRunnerJob(ctx, runId());
      const other = await startRunnerJob(ctx, runId());
      const p = await permitFor(world, ctx, job);
      const token = await other.idToken();
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p, { token }))).to.equal("RUN_ID_MISMATCH");
      const key = other.worker.publicJwk;
      expect(await refusalOf(world, id, () => askCaps(ctx, job, p, { workerKey: key }))).to.equal(
        "WORKER_KEY_MISMATCH",
      );
      cancelled += await cancelAll(world, id, 1);
    });
  });

  describe("consumed, but never claimable: the keeper cannot claim it and reclaims it after the step timeout", () => {
    it("rejects a reused permit: the replay consumes nothing, the step it was for is never paid", async () => {
      const id = await world.buy(world.offer, 2);
      const ctx = world.runner(world.offer, id);
      const first = runId();
      const job = await startRunnerJob(ctx, first);
      const bound = await answerRunner(world.roles, ctx.gateway, {
        entitlementId: id,
        runId: first,
        fromStep: 0,
        offer: ctx.offer,
        clock: systemClock,
      });
      // The job takes its caps (step 1 consumed) and then never produces evidence.
      await askCaps(ctx, job, { permit: bound.permit, signature: bound.signature });
      const thief = await startRunnerJob(ctx, runId());
      const replay = { permit: bound.permit, signature: bound.signature };
      const code = await refusalOf(world, id, () => askCaps(ctx, thief, replay, { workerKey: thief.worker.publicJwk }));
      expect(code).to.equal("RUN_ID_MISMATCH");
      cancelled += await cancelAll(world, id, 1);
      await keeper.tick();
      expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([]);
      toReclaim.push({ id, step: 1, attack: "reused permit" });
    });

    it("refuses a certificate that breaks continuity (FAILURE_CONTINUITY_BROKEN)", async () => {
      const id = await world.buy(world.offer, 2);
      const ctx = world.runner(world.offer, id);
      await world.playStep(ctx, 0, runId());
      await keeper.tick();
      expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([1]);
      honest.push({ id, step: 1 });
      const { job } = await world.playStep(ctx, 1, runId());
      // The seller's runner swaps in a certificate whose input is not step 1's output, and attests it properly.
      const dir = stepEvidenceDir(world.out.evidence, id, 2);
      const cert = JSON.parse(await readFile(path.join(dir, "certificate.json"), "utf8")) as Record<string, unknown>;
      const forged = new TextEncoder().encode(canonicalJson({ ...cert, stateIn: keccak256(toHex("other input")) }));
      const sigstore = world.services.sigstore;
      const bundle = await attestCertificate({
        certificateBytes: forged,
        token: await job.sigstoreToken(),
        sigstore: { fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl, tsaUrl: sigstore.tsaUrl },
      });
      await writeFile(path.join(dir, "certificate.json"), forged);
      await writeFile(path.join(dir, "certificate.sigstore.json"), JSON.stringify(bundle));
      await keeper.tick();
      expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([1]);
      expect(world.verifier.reportOf(id, 2)).to.deep.include({ result: "invalid", code: "FAILURE_CONTINUITY_BROKEN" });
      toReclaim.push({ id, step: 2, attack: "continuity" });
    });

    it("refuses a forged verifier signature: the keeper drops it, the market reverts NotAVerifier", async () => {
      const id = await world.buy(panel, 1);
      const ctx = world.runner(panel, id);
      const { outcome } = await world.playStep(ctx, 0, runId());
      // The real verifier's signature, and one "by" the panel's second verifier, made with the outsider's key.
      const files = await stepFiles(world, id, 1);
      const valid = await world.verifier.client.attest(
        buildAttestationRequest({
          chainId: world.chainId,
          market: world.roles.market,
          entitlementId: id,
          step: 1,
          files,
        }),
      );
      if (valid.status !== "valid") throw new Error(`expected the honest verifier to sign, got ${valid.status}`);
      const attestation = stepAttestationFromJson(valid.attestation);
      const domain = marketDomain(world.chainId, world.roles.market);
      const forgedSig = await fromViemAccount(outsider).signTypedData({
        domain,
        types: stepAttestationTypes,
        primaryType: "StepAttestation",
        message: { ...attestation },
      });
      const forger: AttestationSource = {
        name: "forger",
        attest: async () => ({
          status: "valid",
          verifier: devAccount("deployer").address,
          attestation,
          signature: forgedSig,
        }),
      };
      const attackerWallet = world.roles.seller;
      const attacker = new Keeper({
        writer: attackerWallet,
        chainId: world.chainId,
        startBlock: world.services.stack.deployBlock,
        confirmations: 0,
        cursor: memoryCursorStore(),
        evidence: folderEvidenceSource(world.out.evidence),
        attestations: [httpAttestationSource("verifier", world.verifier.client), forger],
        clock: systemClock,
        logger: pino({ level: "silent" }),
        offerIds: [panel.offerId],
        disabled: ["finalize", "reclaim", "settleLapsed"],
      });
      const attackerAddress = devAccount("seller").address;
      const nonce = await world.roles.publicClient.getTransactionCount({ address: attackerAddress });
      await attacker.tick();
      expect(await world.roles.publicClient.getTransactionCount({ address: attackerAddress })).to.equal(nonce);
      expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([]);
      // Sent to the market directly, in the order of the recovered signers, the forgery is refused there too.
      const signers = [
        { address: world.verifier.address as Address, signature: valid.signature as Hex },
        { address: outsider.address, signature: forgedSig },
      ].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      expect(
        await claimRevert(
          world,
          outcome.permit,
          attestation,
          signers.map((s) => s.signature),
        ),
      ).to.equal("MARKET_NOT_A_VERIFIER");
      expect(permitDigestOf(outcome.permit, world.chainId, world.roles.market)).to.equal(attestation.permitDigest);
      toReclaim.push({ id, step: 1, attack: "forged verifier signature" });
    });

    it("refuses signatures below the offer's quorum: the keeper waits, the market reverts QuorumNotReached", async () => {
      const id = await world.buy(panel, 1);
      const ctx = world.runner(panel, id);
      const { outcome } = await world.playStep(ctx, 0, runId());
      const before = events.length;
      await keeper.tick();
      expect(await stepsWith(world, "StepClaimed", id)).to.deep.equal([]);
      const retry = events.slice(before).find((e) => e.kind === "retry" && e.entitlementId === id);
      expect(retry).to.deep.include({ code: "KEEPER_QUORUM_NOT_REACHED" });
      const report = world.verifier.reportOf(id, 1);
      expect(report?.result).to.equal("valid");
      // The one signature there is, sent to the market directly, is refused there too.
      const signed = await world.verifier.client.attest(
        buildAttestationRequest({
          chainId: world.chainId,
          market: world.roles.market,
          entitlementId: id,
          step: 1,
          files: await stepFiles(world, id, 1),
        }),
      );
      if (signed.status !== "valid") throw new Error(`expected the honest verifier to sign, got ${signed.status}`);
      expect(signed.repeated).to.equal(true);
      const attestation = stepAttestationFromJson(signed.attestation);
      expect(await claimRevert(world, outcome.permit, attestation, [signed.signature as Hex])).to.equal(
        "MARKET_QUORUM_NOT_REACHED",
      );
      toReclaim.push({ id, step: 1, attack: "below quorum" });
    });

    it("past the step timeout, the keeper reclaims each of them and the buyer withdraws everything it paid for them", async () => {
      const buyer = world.roles.buyer;
      const creditBefore = await readCredit(buyer, zeroAddress, devAccount("buyer").address);
      expect(creditBefore).to.equal(cancelled);
      await advanceChainTime(world.services.stack.node.url, DEMO_STEP_TIMEOUT + 1);
      await keeper.tick();
      for (const { id, step, attack } of toReclaim) {
        expect((await readStep(buyer, id, step)).status, attack).to.equal("Refunded");
        expect(await stepsWith(world, "StepRefunded", id), attack).to.include(step);
        expect(await stepsWith(world, "StepSettled", id), attack).to.not.include(step);
      }
      // The only payout of the whole run is the honest step 1 of the continuity case.
      for (const { id, step } of honest) expect((await readStep(buyer, id, step)).status).to.equal("Settled");
      const sellerCredit = await readCredit(buyer, zeroAddress, devAccount("seller").address);
      expect(sellerCredit).to.equal(DEMO_PRICE * BigInt(honest.length));
      const owed = cancelled + DEMO_PRICE * BigInt(toReclaim.length);
      expect(await readCredit(buyer, zeroAddress, devAccount("buyer").address)).to.equal(owed);
      const address = devAccount("buyer").address;
      const balanceBefore = await world.roles.publicClient.getBalance({ address });
      const paid = await withdraw(buyer);
      const receipt = await world.roles.publicClient.getTransactionReceipt({ hash: paid.txHash });
      const balanceAfter = await world.roles.publicClient.getBalance({ address });
      expect(paid.amount).to.equal(owed);
      expect(balanceAfter - balanceBefore).to.equal(owed - receipt.gasUsed * receipt.effectiveGasPrice);
    });
  });
});
