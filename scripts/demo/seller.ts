import { type Address, type Hex, parseEther } from "viem";

import type { OfferTerms } from "../../client/src/chain/types";
import type { PolicyCapsule } from "../../client/src/protocol/policy";
import { buildPolicyCapsule, publishOffer } from "../../client/src/seller";
import { DEV_COMMIT, DEV_JOB_WORKFLOW, DEV_REPOSITORY, DEV_REPOSITORY_ID, type DevStack } from "../../devnet/stack";
import { expectedAudience } from "../../client/src/protocol/policy";
import { type DemoRoles, gasOf } from "./roles";

/** The demo offer's price per step and dispute bond. */
export const DEMO_PRICE = parseEther("0.01");
export const DEMO_BOND = parseEther("0.002");
/** The demo offer's windows, in seconds: the market's minimum dispute window and arbiter timeout (1 hour). */
export const DEMO_STEP_TIMEOUT = 3600;
export const DEMO_DISPUTE_WINDOW = 3600;
export const DEMO_ARBITER_TIMEOUT = 3600;
/** The policy's step limits: one minute, 64 KiB of state. */
export const DEMO_MAX_SECONDS = 60;
export const DEMO_MAX_STATE_BYTES = 65_536;

/** The seller's published offer. */
export interface DemoOffer {
  readonly offerId: bigint;
  readonly terms: OfferTerms;
  /** The policy capsule's JCS bytes, its hash and parsed form. */
  readonly capsuleBytes: Uint8Array;
  readonly capsule: PolicyCapsule;
  readonly policyHash: Hex;
  readonly txHash: Hex;
  readonly gas: bigint;
}

/**
 * The seller's policy capsule: runners must be the pinned workflow of the development repository, on main,
 * dispatched by hand, on GitHub-hosted runners; no network egress at all; a minute and 64 KiB of state per step.
 */
export function demoCapsule(stack: DevStack) {
  return buildPolicyCapsule({
    identity: {
      issuer: stack.issuer.issuer,
      audience: expectedAudience(BigInt(stack.chain.id), stack.market, stack.gateway),
      repository: DEV_REPOSITORY,
      repositoryId: DEV_REPOSITORY_ID,
      jobWorkflowRef: DEV_JOB_WORKFLOW,
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
    },
    egress: { rules: [] },
    limits: { maxSeconds: String(DEMO_MAX_SECONDS), maxStateBytes: String(DEMO_MAX_STATE_BYTES) },
  });
}

/**
 * The seller builds its capsule and publishes the offer through the seller SDK (terms validated before sending).
 * The demo's offer has one verifier and a quorum of one; `panel` names others (the end-to-end tests use it).
 */
export async function publishDemoOffer(
  stack: DevStack,
  roles: DemoRoles,
  arbiter: Address,
  panel: { readonly verifiers: readonly Address[]; readonly quorum: number } = {
    verifiers: [roles.verifier.address],
    quorum: 1,
  },
): Promise<DemoOffer> {
  const capsule = demoCapsule(stack);
  const published = await publishOffer(roles.seller, {
    capsule: capsule.bytes,
    terms: {
      gateway: stack.gateway,
      pricePerStep: DEMO_PRICE,
      maxSteps: 100,
      commit: DEV_COMMIT,
      stepTimeout: DEMO_STEP_TIMEOUT,
      disputeWindow: DEMO_DISPUTE_WINDOW,
      arbiterTimeout: DEMO_ARBITER_TIMEOUT,
      disputeBond: DEMO_BOND,
      arbiter,
      quorum: panel.quorum,
      verifiers: [...panel.verifiers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    },
  });
  return {
    offerId: published.offerId,
    terms: published.terms,
    capsuleBytes: capsule.bytes,
    capsule: capsule.capsule,
    policyHash: capsule.policyHash,
    txHash: published.txHash,
    gas: await gasOf(roles.publicClient, published.txHash),
  };
}
