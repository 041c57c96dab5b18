import { type Address, type Hex, type PublicClient, createWalletClient, http } from "viem";
import type { HDAccount } from "viem/accounts";

import type { MarketWriter } from "../../client/src/chain/clients";
import { type TypedDataSigner, fromViemAccount } from "../../client/src/signer";
import { type DevStack, devAccount } from "../../devnet/stack";

/** The parties of the demo, each a development account with its own wallet on the local chain. */
export interface DemoRoles {
  readonly seller: MarketWriter;
  readonly buyer: MarketWriter;
  /** The buyer's EIP-712 signer (permits and state-key requests). */
  readonly buyerSigner: TypedDataSigner;
  readonly keeper: MarketWriter;
  readonly arbiter: MarketWriter;
  /** The offer's one verifier: it signs StepAttestations, sends nothing. */
  readonly verifier: HDAccount;
  readonly publicClient: PublicClient;
  readonly market: Address;
  readonly chainId: number;
}

/** The demo's roles over the development stack's chain. */
export function demoRoles(stack: DevStack): DemoRoles {
  const writer = (role: "seller" | "buyer" | "keeper" | "arbiter"): MarketWriter => ({
    publicClient: stack.publicClient,
    market: stack.market,
    wallet: createWalletClient({ account: devAccount(role), chain: stack.chain, transport: http(stack.node.url) }),
    confirmations: 1,
  });
  return {
    seller: writer("seller"),
    buyer: writer("buyer"),
    buyerSigner: fromViemAccount(devAccount("buyer")),
    keeper: writer("keeper"),
    arbiter: writer("arbiter"),
    verifier: devAccount("verifier"),
    publicClient: stack.publicClient,
    market: stack.market,
    chainId: stack.chain.id,
  };
}

/** Gas used by a mined transaction. */
export async function gasOf(publicClient: PublicClient, hash: Hex): Promise<bigint> {
  return (await publicClient.getTransactionReceipt({ hash })).gasUsed;
}
