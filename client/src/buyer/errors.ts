import type { Abi, AbiParameter } from "viem";

import { MarketError, formatCustomError, marketErrorCode } from "../chain/errors";
import { swarmMarketAbi } from "../protocol/abi/swarmMarket";

/** Stable codes of the buyer SDK's own refusals (market reverts keep their `MARKET_…` codes). */
export const BuyerErrorCode = {
  /** The account holds less ETH or token than the payment needs. */
  INSUFFICIENT_BALANCE: "BUYER_INSUFFICIENT_BALANCE",
  /** The signer is not who the market or gateway will check the signature against. */
  SIGNER_MISMATCH: "BUYER_SIGNER_MISMATCH",
  /** The gateway listed a session that is malformed or not for this entitlement. */
  SESSION_INVALID: "SESSION_INVALID",
  /** The session's runner is not the one the buyer expects (repository, run, attempt). */
  SESSION_IDENTITY_MISMATCH: "SESSION_IDENTITY_MISMATCH",
  /** The capsule given to check the runner against is not the offer's. */
  POLICY_HASH_MISMATCH: "POLICY_HASH_MISMATCH",
  /** The permit deadline is zero, past, or beyond uint64. */
  PERMIT_DEADLINE_INVALID: "PERMIT_DEADLINE_INVALID",
  /** A state-key request's deadline is past or more than 300 s ahead (the gateway's rule). */
  STATE_KEY_DEADLINE_INVALID: "STATE_KEY_DEADLINE_INVALID",
  /** A state-key request's range is empty, reversed or longer than 256 steps. */
  STATE_KEY_RANGE_INVALID: "STATE_KEY_RANGE_INVALID",
  /** A step whose output was asked for is not settled, so the gateway will not release its key. */
  STATE_KEY_STEP_NOT_SETTLED: "STATE_KEY_STEP_NOT_SETTLED",
  /** The gateway's reply lacks a requested key. */
  STATE_KEY_MISSING: "STATE_KEY_MISSING",
} as const;

/**
 * The error the market would revert with, raised before sending: same code (`MARKET_…`), same message shape, so
 * a caller handles a pre-check and a revert alike.
 */
export function marketRefusal(errorName: string, args: readonly unknown[]): MarketError {
  const item = (swarmMarketAbi as Abi).find((i) => i.type === "error" && i.name === errorName);
  const inputs: readonly AbiParameter[] = item !== undefined && "inputs" in item ? item.inputs : [];
  return new MarketError(marketErrorCode(errorName), formatCustomError(errorName, inputs, args), errorName, args);
}
