import type { Request } from "express";
import { httpError } from "./codes";

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
/** Session ids are opaque to this layer; this is the alphabet and length any id scheme here fits in. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `value` is a canonical decimal string of an unsigned integer below 2^bits. */
export function isDecimal(value: unknown, bits: number): value is string {
  return typeof value === "string" && DECIMAL.test(value) && BigInt(value) < 1n << BigInt(bits);
}

/** A path parameter that must be a session id (400 `PARAM_INVALID`). */
export function sessionIdParam(value: string | string[] | undefined): string {
  if (typeof value !== "string" || !SESSION_ID.test(value)) {
    throw httpError("PARAM_INVALID", "expected a session id of 1-128 characters from [A-Za-z0-9_-]");
  }
  return value;
}

/** A path parameter that must be a uint64 decimal string (400 `PARAM_INVALID`). */
export function seqParam(value: string | string[] | undefined): string {
  if (!isDecimal(value, 64)) throw httpError("PARAM_INVALID", "expected a receipt seq as a uint64 decimal string");
  return value;
}

/**
 * The query of a route that takes exactly the parameters `names`, each once, each a canonical decimal below
 * 2^bits (400 `QUERY_INVALID`). Unknown or repeated parameters are refused rather than ignored.
 */
export function decimalQuery<N extends string>(
  query: Request["query"],
  names: readonly N[],
  bits: number,
): Record<N, string> {
  const extra = Object.keys(query).filter((key) => !(names as readonly string[]).includes(key));
  if (extra.length > 0) throw httpError("QUERY_INVALID", `expected only the query parameters ${names.join(", ")}`);
  const out: Partial<Record<N, string>> = {};
  for (const name of names) {
    const value = query[name];
    if (!isDecimal(value, bits)) {
      throw httpError("QUERY_INVALID", `expected ${name} as one uint${bits} decimal string`);
    }
    out[name] = value;
  }
  return out as Record<N, string>;
}
