import { type Hex, encodeFunctionData } from "viem";

import type { MarketWriter } from "../../client/src/chain/clients";
import { sendChecked } from "../../client/src/chain/send";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import type { StepAttestation, StepPermit } from "../../client/src/protocol/eip712";

/** A transaction the demo sent, with its gas. */
export interface SentTx {
  readonly txHash: Hex;
  readonly gas: bigint;
  readonly block: bigint;
}

/** Sends one market call through the SDK's careful sender (simulate, send, wait, refuse a revert). */
async function send(writer: MarketWriter, data: Hex, action: string): Promise<SentTx> {
  const { hash, receipt } = await sendChecked(writer, { to: writer.market, data }, action);
  return { txHash: hash, gas: receipt.gasUsed, block: receipt.blockNumber };
}

/**
 * The keeper claims a step: the consumed permit, the StepAttestation and the verifiers' signatures (the market
 * wants them ordered by ascending signer; the demo's offer has one verifier and a quorum of one).
 */
export function claimStep(
  keeper: MarketWriter,
  permit: StepPermit,
  attestation: StepAttestation,
  signatures: readonly Hex[],
): Promise<SentTx> {
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "claim",
    args: [permit, attestation, [...signatures]],
  });
  return send(keeper, data, `claim step ${permit.step} of ${permit.entitlementId}`);
}

/** The keeper finalizes a claimed step once its dispute window has passed: its price goes to the seller. */
export function finalizeStep(keeper: MarketWriter, entitlementId: bigint, step: number): Promise<SentTx> {
  const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "finalize", args: [entitlementId, step] });
  return send(keeper, data, `finalize step ${step} of ${entitlementId}`);
}

/** The arbiter rules on a disputed step: price and bond to the seller, or back to the buyer. */
export function ruleOnDispute(
  arbiter: MarketWriter,
  entitlementId: bigint,
  step: number,
  sellerWins: boolean,
): Promise<SentTx> {
  const data = encodeFunctionData({
    abi: swarmMarketAbi,
    functionName: "rule",
    args: [entitlementId, step, sellerWins],
  });
  return send(arbiter, data, `rule on step ${step} of ${entitlementId}`);
}
