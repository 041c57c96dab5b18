import { BaseError, ContractFunctionRevertedError, decodeErrorResult, isHex } from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { GatewayError } from "../errors";

/**
 * The market's custom error a failed call reverted with, or undefined when the failure was not a revert.
 * viem decodes reverts that nodes report with JSON-RPC code 3; some providers (Hardhat's in-process one) put
 * the revert data only on an inner cause, so the chain of causes is searched too.
 */
export function contractRevert(err: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
  }
  for (let e: unknown = err; e !== null && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) {
      try {
        const decoded = decodeErrorResult({ abi: swarmMarketAbi, data });
        return { errorName: decoded.errorName, args: decoded.args ?? [] };
      } catch {
        return { errorName: "unknown", args: [] };
      }
    }
  }
  return undefined;
}

/**
 * Runs a chain read or write, turning transport failures (node down, timeout, malformed answer) into
 * `CHAIN_UNAVAILABLE` (503): the gateway then releases nothing. Contract reverts pass through unchanged.
 */
export async function withChain<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayError || contractRevert(err) !== undefined) throw err;
    throw new GatewayError("CHAIN_UNAVAILABLE", 503, `chain unavailable while reading ${what}`, { cause: err });
  }
}
