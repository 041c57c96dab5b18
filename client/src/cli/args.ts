/** Parsers for command arguments: each refuses malformed input with a usage error (exit 3) naming the argument. */
import { readFileSync } from "node:fs";

import { type Address, getAddress, isAddress, parseEther, parseGwei } from "viem";

import { usageError } from "./errors";

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const UINT256_MAX = (1n << 256n) - 1n;

/** A uint256 id (offer, entitlement) given in decimal. */
export function parseId(value: string, name: string): bigint {
  if (!DECIMAL.test(value) || BigInt(value) > UINT256_MAX) {
    throw usageError("ARGUMENT_INVALID", `expected ${name} as a decimal integer, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

/** A non-negative integer of at most `max` (a step, a count, seconds). */
export function parseCount(value: string, name: string, options: { min?: number; max?: number } = {}): number {
  const min = options.min ?? 0;
  const max = options.max ?? 2 ** 32 - 1;
  if (!DECIMAL.test(value) || Number(value) < min || Number(value) > max) {
    throw usageError(
      "ARGUMENT_INVALID",
      `expected ${name} as an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** An amount: base units (`1000`), or `0.01ether` / `5gwei` for the native currency's 18 decimals. */
export function parseAmount(value: string, name: string): bigint {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ether|eth|gwei|wei)?$/i.exec(value.trim());
  if (m === null) {
    throw usageError(
      "ARGUMENT_INVALID",
      `expected ${name} as base units or <x>ether/<x>gwei, got ${JSON.stringify(value)}`,
    );
  }
  const [, num, unit] = m;
  try {
    switch ((unit ?? "wei").toLowerCase()) {
      case "ether":
      case "eth":
        return parseEther(num!);
      case "gwei":
        return parseGwei(num!);
      default:
        if (!DECIMAL.test(num!)) throw new Error("fraction of a base unit");
        return BigInt(num!);
    }
  } catch {
    throw usageError(
      "ARGUMENT_INVALID",
      `expected ${name} as a whole number of base units, got ${JSON.stringify(value)}`,
    );
  }
}

/** A 20-byte address (any case), checksummed. */
export function parseAddress(value: string, name: string): Address {
  if (!isAddress(value, { strict: false })) {
    throw usageError("ARGUMENT_INVALID", `expected ${name} as a 20-byte 0x address, got ${JSON.stringify(value)}`);
  }
  return getAddress(value);
}

/** Commander collector for repeatable options (`--verifier a --verifier b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A file's bytes, or a usage error naming the file (never its content). */
export function readFileBytes(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw usageError("FILE_UNREADABLE", `cannot read ${what} ${file} (${reason})`);
  }
}
