import { type PublicClient, decodeFunctionData, hashTypedData } from "viem";

import { decodeChainError } from "../chain/errors";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { type StepPermit, marketDomain, stepPermitTypes } from "../protocol/eip712";
import type { ConsumedStep, MarketRef } from "./consumedStep";
import { KeeperErrorCode, keeperFail } from "./errors";

/** The calldata's permits, when the transaction called the market's consume or consumeBatch directly. */
function permitsOfCall(input: `0x${string}`): readonly StepPermit[] {
  try {
    const call = decodeFunctionData({ abi: swarmMarketAbi, data: input });
    if (call.functionName === "consume") return [call.args[0]];
    if (call.functionName === "consumeBatch") return call.args[0];
  } catch {
    // not a market call: handled below
  }
  return [];
}

/**
 * Rebuilds the permit a step was consumed with: the event does not carry the deadline, so the permit is read from
 * the consume transaction's calldata, and accepted only if its EIP-712 digest is the one the event recorded.
 * A gateway that consumes through another contract (a multisig, a relayer) cannot be followed this way.
 */
export async function recoverConsumedPermit(
  client: PublicClient,
  ref: MarketRef,
  consumed: ConsumedStep,
): Promise<StepPermit> {
  let input: `0x${string}`;
  try {
    input = (await client.getTransaction({ hash: consumed.txHash })).input;
  } catch (err) {
    throw decodeChainError(err, `reading consume transaction ${consumed.txHash}`);
  }
  const domain = marketDomain(ref.chainId, ref.market);
  for (const permit of permitsOfCall(input)) {
    if (permit.entitlementId !== consumed.entitlementId || permit.step !== consumed.step) continue;
    const digest = hashTypedData({ domain, types: stepPermitTypes, primaryType: "StepPermit", message: permit });
    if (digest.toLowerCase() === consumed.permitDigest.toLowerCase()) return { ...permit };
  }
  return keeperFail(
    KeeperErrorCode.PERMIT_UNRECOVERABLE,
    `expected transaction ${consumed.txHash} to call consume or consumeBatch with the permit ${consumed.permitDigest}`,
  );
}
