import { expect } from "chai";
import { type PublicClient, createWalletClient, http, keccak256, toHex, zeroHash } from "viem";

import {
  accept,
  bindPermit,
  listSessions,
  purchase,
  readStepOutput,
  requestStateKeys,
  seedGenesisState,
  setPermitSigner,
  stateKeyOf,
} from "../../../client/src/buyer";
import type { MarketReader, MarketWriter } from "../../../client/src/chain/clients";
import { type GatewayClient, createGatewayClient } from "../../../client/src/gateway/client";
import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { decryptCaps } from "../../../client/src/protocol/caps";
import { type StepAttestation, marketDomain, stepAttestationTypes } from "../../../client/src/protocol/eip712";
import { generateWorkerKeyPair } from "../../../client/src/protocol/keys";
import { decryptStateBundle, encryptStateBundle } from "../../../client/src/protocol/stateBundle";
import { fromViemAccount } from "../../../client/src/signer";
import { DEV_CHAIN_ID, devAccount } from "../../../devnet/stack";
import { fetchIdToken } from "../../gateway/oidc/fixtures";
import { COMMIT, type World, startWorld } from "../../e2e/support/world";
import { expectCode } from "../chain/fixture";

const clock = () => new Date();
const MAX_BYTES = 1_048_576;
const bytes = (s: string) => new TextEncoder().encode(s);

describe("client/buyer state keys, genesis state and step outputs (against a local gateway)", function () {
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

  const buy = async (steps: number) => (await purchase(buyer, { offerId: world.offerId, steps })).entitlementId;
  const asBuyer = () => ({ signer: fromViemAccount(world.buyer), recipient: generateWorkerKeyPair(), clock });

  /** Runs step 1 the way a runner would, has a verifier attest it and the buyer accept it; returns its outputs. */
  async function settledStep(entitlementId: bigint) {
    const run = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    const token = () => fetchIdToken(run, world.gateway.context.audience);
    const worker = generateWorkerKeyPair();
    const policy = { hash: world.policy.policyHash };
    await gateway.openSession(await token(), { entitlementId, workerKey: worker.publicJwk, policy });
    const [session] = await listSessions(gateway, entitlementId);
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 600);
    const bound = await bindPermit(reader, gateway, { session: session!, ...asBuyer(), deadline });
    const released = await gateway.releaseCaps(await token(), {
      permit: bound.permit,
      signature: bound.signature,
      workerKey: worker.publicJwk,
      policy,
    });
    const caps = await decryptCaps(released.jwe, worker.privateKey, {
      entitlementId,
      step: 1,
      permitDigest: bound.digest,
      clock,
    });
    const binding = { entitlementId, step: 1, permitDigest: bound.digest, maxBytes: MAX_BYTES };
    const state = await encryptStateBundle(bytes("state after step 1"), caps.stateCapOut, {
      ...binding,
      kind: "state",
    });
    const result = await encryptStateBundle(bytes('{"ok":true}'), caps.stateCapOut, { ...binding, kind: "result" });

    const attestation: StepAttestation = {
      entitlementId,
      step: 1,
      permitDigest: bound.digest,
      certificateHash: keccak256(toHex(`certificate-${entitlementId}`)),
      prevCertificateHash: zeroHash,
      commit: bound.permit.commit,
      policyHash: bound.permit.policyHash,
    };
    const signature = await devAccount("verifier").signTypedData({
      domain: marketDomain(DEV_CHAIN_ID, world.market),
      types: stepAttestationTypes,
      primaryType: "StepAttestation",
      message: attestation,
    });
    const keeper = createWalletClient({
      account: devAccount("keeper"),
      chain: world.publicClient.chain,
      transport: http(world.node.url),
    });
    await world.publicClient.waitForTransactionReceipt({
      hash: await keeper.writeContract({
        address: world.market,
        abi: swarmMarketAbi,
        functionName: "claim",
        args: [bound.permit, attestation, [signature]],
        chain: null,
      }),
    });
    return { state, result, stateCapOut: caps.stateCapOut };
  }

  it("seeds the genesis state under stateKey(0), which the gateway gives the buyer at once", async () => {
    const id = await buy(1);
    const genesis = await seedGenesisState(reader, gateway, {
      entitlementId: id,
      ...asBuyer(),
      state: bytes("genesis"),
      maxBytes: MAX_BYTES,
    });
    const keys = await requestStateKeys(reader, gateway, { entitlementId: id, fromStep: 0, toStep: 0, ...asBuyer() });
    const plaintext = await decryptStateBundle(genesis.jwe, stateKeyOf(keys, 0), {
      kind: "state",
      entitlementId: id,
      step: 0,
      permitDigest: zeroHash,
      maxBytes: MAX_BYTES,
    });
    expect(new TextDecoder().decode(plaintext)).to.equal("genesis");
    expect(genesis.sha256).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("reads a settled step's state and result with the key of that step", async () => {
    const id = await buy(1);
    const step = await settledStep(id);
    await accept(buyer, id, 1);
    const output = await readStepOutput(reader, gateway, {
      entitlementId: id,
      step: 1,
      files: { state: step.state, result: bytes(`${step.result}\n`) },
      maxBytes: MAX_BYTES,
      ...asBuyer(),
    });
    expect(output.stateKey).to.equal(step.stateCapOut);
    expect(new TextDecoder().decode(output.state)).to.equal("state after step 1");
    expect(new TextDecoder().decode(output.result)).to.equal('{"ok":true}');
  });

  it("refuses a bundle passed off as a step's output that belongs to another permit", async () => {
    const id = await buy(1);
    const step = await settledStep(id);
    await accept(buyer, id, 1);
    const forged = await encryptStateBundle(bytes("forged"), step.stateCapOut, {
      kind: "state",
      entitlementId: id,
      step: 1,
      permitDigest: `0x${"ee".repeat(32)}`,
      maxBytes: MAX_BYTES,
    });
    await expectCode(
      readStepOutput(reader, gateway, {
        entitlementId: id,
        step: 1,
        files: { state: forged },
        maxBytes: MAX_BYTES,
        ...asBuyer(),
      }),
      "STATE_BUNDLE_PERMIT_MISMATCH",
    );
  });

  it("refuses to read the output of a step that is claimed but not settled", async () => {
    const id = await buy(1);
    const step = await settledStep(id);
    await expectCode(
      readStepOutput(reader, gateway, {
        entitlementId: id,
        step: 1,
        files: { state: step.state },
        maxBytes: MAX_BYTES,
        ...asBuyer(),
      }),
      "STATE_KEY_STEP_NOT_SETTLED",
    );
    // The gateway refuses it too, for a buyer who skips the SDK's own check.
    await expectCode(
      requestStateKeys(reader, gateway, { entitlementId: id, fromStep: 1, toStep: 1, ...asBuyer() }),
      "STATE_KEY_STEP_NOT_SETTLED",
    );
  });

  it("refuses state keys asked for by a permit delegate: only the buyer may decrypt every step's state", async () => {
    const id = await buy(1);
    const delegate = devAccount("keeper");
    await setPermitSigner(buyer, id, delegate.address);
    await expectCode(
      requestStateKeys(reader, gateway, {
        entitlementId: id,
        fromStep: 0,
        toStep: 0,
        signer: fromViemAccount(delegate),
        recipient: generateWorkerKeyPair(),
        clock,
      }),
      "BUYER_SIGNER_MISMATCH",
    );
  });

  it("refuses a request the gateway would refuse, before signing it", async () => {
    const id = await buy(1);
    const now = BigInt(Math.floor(Date.now() / 1000));
    await expectCode(
      requestStateKeys(reader, gateway, {
        entitlementId: id,
        fromStep: 0,
        toStep: 0,
        deadline: now + 301n,
        ...asBuyer(),
      }),
      "STATE_KEY_DEADLINE_INVALID",
    );
    await expectCode(
      requestStateKeys(reader, gateway, { entitlementId: id, fromStep: 0, toStep: 256, ...asBuyer() }),
      "STATE_KEY_RANGE_INVALID",
    );
  });
});
