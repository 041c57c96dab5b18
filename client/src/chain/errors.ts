/**
 * Chain failures as typed errors. A revert carrying one of the market's custom errors becomes a `MarketError`
 * whose code is `MARKET_` + the error's name in UPPER_SNAKE (`StepsExhausted` → `MARKET_STEPS_EXHAUSTED`) and
 * whose message names the arguments (`StepsExhausted(step=3, bought=2)`); a token's ERC-6093 error becomes
 * `TOKEN_…`. Anything else is `CHAIN_CALL_FAILED` with viem's short message only: full viem messages carry the
 * RPC URL, which may hold an API key.
 */
import {
  type Abi,
  type AbiParameter,
  BaseError,
  ContractFunctionRevertedError,
  type Hex,
  decodeErrorResult,
  isHex,
} from "viem";

import { swarmMarketAbi } from "../protocol/abi/swarmMarket";
import { ProtocolError } from "../protocol/errors";
import { erc20ErrorsAbi } from "./erc20";

/** Stable codes of chain failures that are not a decoded custom error. */
export const ChainErrorCode = {
  CALL_FAILED: "CHAIN_CALL_FAILED",
  REVERTED: "CHAIN_REVERTED",
  TX_REVERTED: "CHAIN_TX_REVERTED",
  CHAIN_MISMATCH: "CHAIN_MISMATCH",
  EVENT_MISSING: "CHAIN_EVENT_MISSING",
} as const;

/** A revert with a decoded custom error: `errorName` and `args` as the contract raised them. */
export class MarketError extends ProtocolError {
  constructor(
    code: string,
    message: string,
    readonly errorName: string,
    readonly args: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** `StepsExhausted` → `STEPS_EXHAUSTED`; `ERC20InsufficientBalance` → `ERC20_INSUFFICIENT_BALANCE`. */
export function upperSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toUpperCase();
}

/** The stable code of a market custom error. */
export function marketErrorCode(errorName: string): string {
  return `MARKET_${upperSnake(errorName)}`;
}

function formatValue(v: unknown): string {
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return v.toString();
  if (typeof v === "string") return v.toLowerCase();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

/** `Name(a=1, b=0x…)`: the error as the contract raised it, with its parameter names. */
export function formatCustomError(name: string, inputs: readonly AbiParameter[], args: readonly unknown[]): string {
  const parts = args.map((a, i) => `${inputs[i]?.name || `arg${i}`}=${formatValue(a)}`);
  return `${name}(${parts.join(", ")})`;
}

/** The first revert data (0x + selector at least) down an error's cause chain. */
function revertData(err: unknown): Hex | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === "object" && depth < 16; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return data;
    const nested = (data as { data?: unknown } | undefined)?.data;
    if (typeof nested === "string" && isHex(nested) && nested.length >= 10) return nested;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Decodes `data` against the market's errors first, then ERC-6093 token errors; undefined if neither knows it. */
export function decodeRevertData(data: Hex): MarketError | undefined {
  const tables: readonly [Abi, string][] = [
    [swarmMarketAbi as Abi, "MARKET_"],
    [erc20ErrorsAbi as Abi, "TOKEN_"],
  ];
  for (const [abi, prefix] of tables) {
    try {
      const decoded = decodeErrorResult({ abi, data });
      const inputs = "inputs" in decoded.abiItem ? decoded.abiItem.inputs : [];
      const args = decoded.args ?? [];
      if (decoded.errorName === "Error" || decoded.errorName === "Panic") {
        return new MarketError(
          ChainErrorCode.REVERTED,
          formatCustomError(decoded.errorName, inputs, args),
          decoded.errorName,
          args,
        );
      }
      return new MarketError(
        `${prefix}${upperSnake(decoded.errorName)}`,
        formatCustomError(decoded.errorName, inputs, args),
        decoded.errorName,
        args,
      );
    } catch {
      // not in this table: try the next
    }
  }
  return undefined;
}

function shortMessage(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? (err.message.split("\n")[0] ?? "").slice(0, 200) : "unknown error";
}

/** Turns any failure of a chain call into a typed error (a ProtocolError passes through unchanged). */
export function decodeChainError(err: unknown, action: string): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.raw !== undefined) {
      const decoded = decodeRevertData(reverted.raw);
      if (decoded !== undefined) return withCause(decoded, err);
    }
  }
  const data = revertData(err);
  if (data !== undefined) {
    const decoded = decodeRevertData(data);
    if (decoded !== undefined) return withCause(decoded, err);
    return new ProtocolError(ChainErrorCode.REVERTED, `${action} reverted with unknown data ${data.slice(0, 10)}`, {
      cause: err,
    });
  }
  return new ProtocolError(ChainErrorCode.CALL_FAILED, `${action} failed: ${shortMessage(err)}`, { cause: err });
}

function withCause(e: MarketError, cause: unknown): MarketError {
  return new MarketError(e.code, e.message, e.errorName, e.args, { cause });
}
