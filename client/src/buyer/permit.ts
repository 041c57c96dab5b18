import { type Address, type Hex, type TypedDataDomain, hashTypedData } from "viem";

import type { Entitlement, Offer } from "../chain/types";
import { type StepPermit, stepPermitTypes } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import type { TypedDataSigner } from "../signer";
import { BuyerErrorCode, marketRefusal } from "./errors";
import type { RunnerSession } from "./sessions";

/** How a permit binds the run: to the session's run and attempt, or to any run (only if the offer allows it). */
export type RunBinding = "session" | "unbound";

/** The buyer's choices for one permit. */
export interface PermitChoices {
  /** Epoch seconds; the market accepts the permit while `block.timestamp ≤ deadline`. */
  readonly deadline: bigint;
  /** The step this one continues from; defaults to the last consumed step (a linear run). 0 = genesis. */
  readonly fromStep?: number;
  /** Defaults to "session". */
  readonly runBinding?: RunBinding;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Refuses a deadline that is zero, not after `now`, or beyond uint64. */
export function verifyPermitDeadline(deadline: bigint, now: number): void {
  if (deadline <= BigInt(now) || deadline > UINT64_MAX) {
    throw new ProtocolError(
      BuyerErrorCode.PERMIT_DEADLINE_INVALID,
      `expected a deadline after now (${now}) and below 2^64, got ${deadline}`,
    );
  }
}

/** Refuses a signer the market will not accept for this entitlement (the delegate if set, else the buyer). */
export function verifyPermitSigner(signer: Address, entitlement: Entitlement): void {
  if (signer !== entitlement.signer) {
    throw new ProtocolError(
      BuyerErrorCode.SIGNER_MISMATCH,
      `expected permits of entitlement ${entitlement.entitlementId} signed by ${entitlement.signer}, got ${signer}`,
    );
  }
}

/**
 * The next step's permit for a session, from chain facts: step = consumed + 1 (the market's nonce), commit,
 * policy hash and gateway from the offer, run and worker key from the session. Refuses what the market would
 * (`MARKET_STEPS_EXHAUSTED`, `MARKET_FROM_STEP_NOT_BEFORE_STEP`, `MARKET_UNBOUND_RUN_NOT_ALLOWED`).
 */
export function buildStepPermit(
  session: RunnerSession,
  entitlement: Entitlement,
  offer: Offer,
  choices: PermitChoices,
  now: number,
): StepPermit {
  const step = entitlement.consumed + 1;
  if (step > entitlement.bought) throw marketRefusal("StepsExhausted", [step, entitlement.bought]);
  const fromStep = choices.fromStep ?? entitlement.consumed;
  if (!Number.isSafeInteger(fromStep) || fromStep < 0 || fromStep >= step) {
    throw marketRefusal("FromStepNotBeforeStep", [fromStep, step]);
  }
  const unbound = (choices.runBinding ?? "session") === "unbound";
  if (unbound && !offer.terms.allowUnboundRuns)
    throw marketRefusal("UnboundRunNotAllowed", [entitlement.entitlementId]);
  verifyPermitDeadline(choices.deadline, now);
  return {
    entitlementId: entitlement.entitlementId,
    step,
    fromStep,
    runId: unbound ? 0n : session.runId,
    runAttempt: unbound ? 0 : session.runAttempt,
    workerKey: session.workerKey,
    commit: offer.terms.commit.toLowerCase() as Hex,
    policyHash: offer.terms.policyHash.toLowerCase() as Hex,
    gateway: offer.terms.gateway,
    deadline: choices.deadline,
  };
}

/** Signs a StepPermit in the market's domain; returns the signature and the permit's EIP-712 digest. */
export async function signStepPermit(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  permit: StepPermit,
): Promise<{ signature: Hex; digest: Hex }> {
  const request = { domain, types: stepPermitTypes, primaryType: "StepPermit", message: permit } as const;
  const signature = await signer.signTypedData({ ...request, message: { ...permit } });
  return { signature, digest: hashTypedData(request) };
}
