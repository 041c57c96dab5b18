import type { PublicClient } from "viem";
import { evidenceAnchorAbi } from "../protocol/abi/evidenceAnchor";
import type { Hex } from "../protocol/receipts";
import type { AnchorReader } from "./context";

/**
 * An AnchorReader over an RPC: `rootAt(issuer, epoch)` on the record's EvidenceAnchor, only on the record's chain.
 * An epoch the contract does not hold (it reverts) or another chain reads as undefined: not anchored there.
 */
export function evidenceAnchorReader(client: PublicClient): AnchorReader {
  return async (record) => {
    const chainId = await client.getChainId();
    if (String(chainId) !== record.chainId) return undefined;
    try {
      const root = await client.readContract({
        address: record.contract,
        abi: evidenceAnchorAbi,
        functionName: "rootAt",
        args: [record.issuer, BigInt(record.epoch)],
      });
      return (root as string).toLowerCase() as Hex;
    } catch {
      return undefined;
    }
  };
}
