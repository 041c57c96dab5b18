import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";

import {
  type BoundPermit,
  type StepOutput,
  bindPermit,
  listSessions,
  purchase,
  readStepOutput,
  seedGenesisState,
} from "../../client/src/buyer";
import type { GatewayClient } from "../../client/src/gateway/client";
import { type Clock, epochSeconds } from "../../client/src/protocol/clock";
import { generateWorkerKeyPair } from "../../client/src/protocol/keys";
import { EvidenceFile, stepEvidenceDir, writeGenesisState } from "../../client/src/runner";
import { type DemoRoles, gasOf } from "./roles";
import { DEMO_MAX_STATE_BYTES, type DemoOffer } from "./seller";
import { type WordChainState, encodeState } from "./workload";

/** How long a permit stays usable: ten minutes. */
const PERMIT_LIFETIME_SECONDS = 600;

/** The buyer's purchase. */
export interface DemoPurchase {
  readonly entitlementId: bigint;
  readonly amount: bigint;
  readonly txHash: Hex;
  readonly gas: bigint;
}

/** Buys `steps` steps of the offer in ETH (price × steps escrowed). */
export async function buySteps(roles: DemoRoles, offerId: bigint, steps: number): Promise<DemoPurchase> {
  const bought = await purchase(roles.buyer, { offerId, steps });
  return {
    entitlementId: bought.entitlementId,
    amount: bought.amount,
    txHash: bought.txHash,
    gas: await gasOf(roles.publicClient, bought.txHash),
  };
}

/**
 * Seeds the genesis state: the buyer asks the gateway for stateKey(0) (a signed StateKeyRequest, the reply
 * encrypted to a fresh key of its own), encrypts the initial state under it and lays it out as step 0's state.
 */
export async function seedGenesis(
  roles: DemoRoles,
  gateway: GatewayClient,
  input: { entitlementId: bigint; state: WordChainState; evidenceDir: string; clock: Clock },
): Promise<{ sha256: Hex; receiptSeq: string; file: string }> {
  const genesis = await seedGenesisState(roles.buyer, gateway, {
    entitlementId: input.entitlementId,
    signer: roles.buyerSigner,
    recipient: generateWorkerKeyPair(),
    clock: input.clock,
    state: encodeState(input.state),
    maxBytes: DEMO_MAX_STATE_BYTES,
  });
  const file = await writeGenesisState(input.evidenceDir, input.entitlementId, genesis.jwe);
  return { sha256: genesis.sha256, receiptSeq: genesis.receiptSeq, file };
}

/**
 * The buyer lists the sessions waiting on its entitlement, picks the one of the run it triggered, checks the
 * runner against its own copy of the capsule, and answers with a permit for the next step bound to that run and
 * that runner's worker key.
 */
export async function answerRunner(
  roles: DemoRoles,
  gateway: GatewayClient,
  input: { entitlementId: bigint; runId: bigint; fromStep: number; offer: DemoOffer; clock: Clock },
): Promise<BoundPermit> {
  const sessions = await listSessions(gateway, input.entitlementId);
  const session = sessions.find((s) => s.runId === input.runId && !s.hasPermit);
  if (session === undefined) throw new Error(`no session of run ${input.runId} is waiting on the entitlement`);
  return bindPermit(roles.buyer, gateway, {
    session,
    signer: roles.buyerSigner,
    clock: input.clock,
    deadline: BigInt(epochSeconds(input.clock) + PERMIT_LIFETIME_SECONDS),
    fromStep: input.fromStep,
    expect: {
      capsule: input.offer.capsuleBytes,
      runId: input.runId,
      runAttempt: 1,
      repository: input.offer.capsule.identity.repository,
    },
  });
}

/**
 * Reads a settled step's outputs from its evidence folder: the market must show the step Settled; the gateway
 * releases stateKey(step) to the buyer only then; each file must name the permit the market consumed.
 */
export async function readSettledOutput(
  roles: DemoRoles,
  gateway: GatewayClient,
  input: { entitlementId: bigint; step: number; evidenceDir: string; clock: Clock },
): Promise<StepOutput> {
  const dir = stepEvidenceDir(input.evidenceDir, input.entitlementId, input.step);
  const read = (name: string) => readFile(path.join(dir, name), "utf8");
  return readStepOutput(roles.buyer, gateway, {
    entitlementId: input.entitlementId,
    step: input.step,
    signer: roles.buyerSigner,
    recipient: generateWorkerKeyPair(),
    clock: input.clock,
    maxBytes: DEMO_MAX_STATE_BYTES,
    files: {
      state: await read(EvidenceFile.state),
      result: await read(EvidenceFile.result),
      nextTokens: await read(EvidenceFile.nextTokens),
    },
  });
}
