/**
 * The keeper's four transactions: claim, finalize, reclaim and settleLapsedDispute. Each goes through the SDK's
 * careful sender (same chain → simulate → send → receipt). A revert saying the step is no longer in the status
 * the action needs (`InvalidStepStatus`) means another keeper, or this one before a restart, already moved it:
 * that is reported as `already`, never retried and never an error.
 */
import { type Hex, encodeFunctionData } from "viem";

import type { MarketWriter } from "../chain/clients";
import { ChainErrorCode, marketErrorCode } from "../chain/errors";
import { sendChecked } from "../chain/send";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import type { StepPermit } from "../protocol/eip712";
import { isProtocolError } from "../protocol/errors";
import type { Quorum } from "./quorum";

/** What became of an action. */
export type ActionResult =
  | { readonly kind: "sent"; readonly txHash: Hex; readonly gas: bigint }
  | { readonly kind: "already"; readonly code: string };

/** The revert that means "someone already did it". */
export const ALREADY_DONE = marketErrorCode("InvalidStepStatus");

/** Sends `data` to the market; InvalidStepStatus (at simulation) and a reverted receipt (a race) are `already`. */
async function send(writer: MarketWriter, data: Hex, action: string): Promise<ActionResult> {
  try {
    const { hash, receipt } = await sendChecked(writer, { to: writer.market, data }, action);
    return { kind: "sent", txHash: hash, gas: receipt.gasUsed };
  } catch (err) {
    if (isProtocolError(err, ALREADY_DONE)) return { kind: "already", code: err.code };
    // Simulated fine, then reverted on-chain: another transaction got in first. The caller re-reads the step.
    if (isProtocolError(err, ChainErrorCode.TX_REVERTED)) return { kind: "already", code: err.code };
    throw err;
  }
}

/** Claims a consumed step with a quorum of verifier signatures. */
export function sendClaim(writer: MarketWriter, permit: StepPermit, quorum: Quorum): Promise<ActionResult> {
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "claim",
    args: [permit, quorum.attestation, [...quorum.signatures]],
  });
  return send(writer, data, `claim step ${permit.step} of ${permit.entitlementId}`);
}

/** Settles a claimed step whose dispute window has passed. */
export function sendFinalize(writer: MarketWriter, entitlementId: bigint, step: number): Promise<ActionResult> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "finalize", args: [entitlementId, step] });
  return send(writer, data, `finalize step ${step} of ${entitlementId}`);
}

/** Refunds the buyer for a consumed step left unclaimed past the step timeout. */
export function sendReclaim(writer: MarketWriter, entitlementId: bigint, step: number): Promise<ActionResult> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "reclaim", args: [entitlementId, step] });
  return send(writer, data, `reclaim step ${step} of ${entitlementId}`);
}

/** Settles a dispute the arbiter left unruled past its timeout. */
export function sendSettleLapsed(writer: MarketWriter, entitlementId: bigint, step: number): Promise<ActionResult> {
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "settleLapsedDispute",
    args: [entitlementId, step],
  });
  return send(writer, data, `settle the lapsed dispute of step ${step} of ${entitlementId}`);
}
