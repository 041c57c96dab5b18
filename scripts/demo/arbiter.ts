import { type Hex, encodeFunctionData } from "viem";

import type { MarketReader, MarketWriter } from "../../client/src/chain/clients";
import { sendChecked } from "../../client/src/chain/send";
import { type EvidenceSource, findConsumed } from "../../client/src/keeper";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import { type StepReport, type VerifierConfig, fetchChainFacts, verifyStep } from "../../client/src/verify";

/** A transaction the demo sent, with its gas. */
export interface SentTx {
  readonly txHash: Hex;
  readonly gas: bigint;
}

/**
 * The arbiter re-verifies a disputed step itself with the SDK verifier (same pinned trust, chain facts read now):
 * the step's evidence and, for a step continuing another, the fromStep's certificate.
 */
export async function arbiterVerify(
  reader: MarketReader,
  input: {
    chainId: bigint;
    entitlementId: bigint;
    step: number;
    config: VerifierConfig;
    evidence: EvidenceSource;
    /** The market's deploy block: event scans start there, not at block 0. */
    fromBlock: bigint;
  },
): Promise<StepReport> {
  const consumed = await findConsumed(reader, input.entitlementId, input.step, input.fromBlock);
  if (consumed === undefined) throw new Error(`step ${input.step} was never consumed`);
  const files = await input.evidence.stepFiles(consumed);
  const from =
    consumed.fromStep === 0
      ? undefined
      : await findConsumed(reader, input.entitlementId, consumed.fromStep, input.fromBlock);
  const fromCertificate = from === undefined ? undefined : (await input.evidence.stepFiles(from))["certificate.json"];
  const facts = await fetchChainFacts(reader, input.chainId, input.entitlementId, {
    steps: [input.step, ...(consumed.fromStep === 0 ? [] : [consumed.fromStep])],
  });
  const ref = { chainId: input.chainId, market: reader.market, entitlementId: input.entitlementId, step: input.step };
  return verifyStep(input.config, ref, { files, ...(fromCertificate ? { fromCertificate } : {}) }, facts).report;
}

/** The arbiter rules on a disputed step: price and bond to the seller, or back to the buyer. */
export async function ruleOnDispute(
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
  const { hash, receipt } = await sendChecked(arbiter, { to: arbiter.market, data }, `rule on step ${step}`);
  return { txHash: hash, gas: receipt.gasUsed };
}
