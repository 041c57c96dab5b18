import type { Address, PublicClient } from "viem";

import { swarmMarketAbi } from "../protocol/abi/swarmMarket";

/** The offer an entitlement was bought under, read from the chain (the certificate's `offerId`). */
export async function offerIdOf(client: PublicClient, market: Address, entitlementId: bigint): Promise<bigint> {
  const entitlement = await client.readContract({
    address: market,
    abi: swarmMarketAbi,
    functionName: "getEntitlement",
    args: [entitlementId],
  });
  return entitlement.offerId;
}
