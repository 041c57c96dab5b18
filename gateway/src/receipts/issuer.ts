import { verifyIssuer as sharedVerifyIssuer } from "../../../client/src/protocol/receipts/issuer";
import { receiptError, withReceiptErrors } from "./codes";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The CAIP-10 issuer string of a gateway: `eip155:<chainId>:<address lowercase>`. */
export function receiptIssuer(chainId: bigint, gateway: string): string {
  if (chainId <= 0n || chainId.toString().length > 32)
    throw receiptError("RECEIPT_SCHEMA_INVALID", `expected a positive chainId, got ${chainId}`);
  if (!ADDRESS.test(gateway)) throw receiptError("RECEIPT_SCHEMA_INVALID", "expected a 20-byte hex gateway address");
  return `eip155:${chainId}:${gateway.toLowerCase()}`;
}

/** Throws RECEIPT_SCHEMA_INVALID unless `issuer` is `eip155:<decimal chainId>:<lowercase address>`. */
export const verifyIssuer = withReceiptErrors(sharedVerifyIssuer);
