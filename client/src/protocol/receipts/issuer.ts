import { receiptError } from "./codes";

// CAIP-2 caps a chain reference at 32 characters.
const ISSUER = /^eip155:[1-9][0-9]{0,31}:0x[0-9a-f]{40}$/;

/** Throws RECEIPT_SCHEMA_INVALID unless `issuer` is `eip155:<decimal chainId>:<lowercase address>`. */
export function verifyIssuer(issuer: unknown): string {
  if (typeof issuer !== "string" || !ISSUER.test(issuer)) {
    throw receiptError("RECEIPT_SCHEMA_INVALID", "expected issuer eip155:<chainId>:<lowercase gateway address>");
  }
  return issuer;
}
