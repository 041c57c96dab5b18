/**
 * Moving the demo's own development chain forward in time: Hardhat's `evm_increaseTime` then `evm_mine`, over
 * plain JSON-RPC to the node the demo started. Never pointed at any other chain.
 */

/** One JSON-RPC call to the development node. */
async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error !== undefined) throw new Error(`${method} failed: ${body.error.message ?? "unknown error"}`);
  return body.result;
}

/** Moves the chain's clock `seconds` ahead and mines a block; returns the new block's timestamp (epoch seconds). */
export async function advanceChainTime(url: string, seconds: number): Promise<bigint> {
  await rpc(url, "evm_increaseTime", [seconds]);
  await rpc(url, "evm_mine", []);
  const block = (await rpc(url, "eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return BigInt(block.timestamp);
}
