import { type Abi, type Address, type PublicClient, getAddress, zeroAddress } from "viem";

import type { ParsedDeployment } from "./verifyDeploymentRecord";
import { checkFailed } from "./verifyDeploymentRecord";

/** Reads one view function of the market. */
function read<T>(
  client: PublicClient,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[] = [],
) {
  return client.readContract({ address, abi, functionName, args }) as Promise<T>;
}

/**
 * The market's roles and configuration are the record's: owner, no pending owner, not paused, exactly the
 * recorded ERC-20 allowlist answers true, the term bounds, and the EIP-712 domain (name, version, chain, address).
 */
export async function verifyMarketState(client: PublicClient, deployment: ParsedDeployment, abi: Abi): Promise<void> {
  const m = deployment.market;
  const owner = getAddress(await read<Address>(client, m.address, abi, "owner"));
  if (owner !== m.owner) checkFailed("OWNER_MISMATCH", `expected owner ${m.owner}, got ${owner}`);
  const pending = await read<Address>(client, m.address, abi, "pendingOwner");
  if (pending !== zeroAddress) checkFailed("OWNER_TRANSFER_PENDING", `an ownership transfer to ${pending} is pending`);
  if (await read<boolean>(client, m.address, abi, "paused")) checkFailed("MARKET_PAUSED", "the market is paused");
  for (const token of m.tokens) {
    if (!(await read<boolean>(client, m.address, abi, "isAllowedToken", [token]))) {
      checkFailed("TOKENS_MISMATCH", `expected ${token} on the allowlist`);
    }
  }
  const bounds = await read<Record<string, number | bigint>>(client, m.address, abi, "termBounds");
  for (const [name, value] of Object.entries(m.termBounds)) {
    if (BigInt(bounds[name] ?? -1) !== value) {
      checkFailed("BOUNDS_MISMATCH", `expected termBounds.${name} = ${value}, got ${String(bounds[name])}`);
    }
  }
  const [, name, version, chainId, verifyingContract] = await read<readonly [unknown, string, string, bigint, Address]>(
    client,
    m.address,
    abi,
    "eip712Domain",
  );
  if (
    name !== "SwarmMarket" ||
    version !== "1" ||
    chainId !== deployment.chainId ||
    getAddress(verifyingContract) !== m.address
  ) {
    checkFailed(
      "DOMAIN_MISMATCH",
      `expected the EIP-712 domain SwarmMarket/1 on chain ${deployment.chainId} at ${m.address}`,
    );
  }
}
