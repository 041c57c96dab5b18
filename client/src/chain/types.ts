import type { Address, Hex } from "viem";

/** An offer's terms, as published (see docs/PROTOCOL.md "Offer terms"). `token` zero = native ETH. */
export interface OfferTerms {
  readonly gateway: Address;
  readonly token: Address;
  readonly pricePerStep: bigint;
  readonly maxSteps: number;
  readonly commit: Hex;
  readonly policyHash: Hex;
  readonly stepTimeout: number;
  readonly disputeWindow: number;
  readonly arbiterTimeout: number;
  readonly disputeBond: bigint;
  readonly arbiter: Address;
  readonly allowUnboundRuns: boolean;
  readonly quorum: number;
  readonly verifiers: readonly Address[];
}

/** An offer as the market holds it. */
export interface Offer {
  readonly offerId: bigint;
  readonly seller: Address;
  readonly retired: boolean;
  /** keccak256(abi.encode(commit, policyHash, gateway)). */
  readonly termsHash: Hex;
  readonly terms: OfferTerms;
}

/** An entitlement as the market holds it. */
export interface Entitlement {
  readonly entitlementId: bigint;
  readonly offerId: bigint;
  readonly buyer: Address;
  /** The delegate permit signer, or undefined when the buyer signs. */
  readonly permitSigner: Address | undefined;
  /** Who must sign this entitlement's permits: the delegate if set, else the buyer. */
  readonly signer: Address;
  readonly bought: number;
  readonly consumed: number;
  readonly maxFromStep: number;
}

/** The market's step status names, by their on-chain number. */
export const STEP_STATUSES = ["None", "Consumed", "Claimed", "Disputed", "Settled", "Refunded"] as const;
/** A step's status. */
export type StepStatus = (typeof STEP_STATUSES)[number];

/** One step of an entitlement. Times are epoch seconds (0 when not reached). */
export interface StepState {
  readonly status: StepStatus;
  readonly consumedAt: bigint;
  readonly claimedAt: bigint;
  readonly disputedAt: bigint;
  /** The first 21 bytes of the consumed permit's EIP-712 digest. */
  readonly permitDigestPrefix: Hex;
  readonly certificateHash: Hex;
}

/** The market's deploy-time term bounds. */
export interface TermBounds {
  readonly minStepTimeout: number;
  readonly maxStepTimeout: number;
  readonly minDisputeWindow: number;
  readonly maxDisputeWindow: number;
  readonly minArbiterTimeout: number;
  readonly maxArbiterTimeout: number;
  readonly maxSteps: number;
}
