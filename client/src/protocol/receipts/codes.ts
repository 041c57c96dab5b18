import { ProtocolError } from "../errors";

/**
 * The stable codes of receipt and ledger-line verification. The gateway maps each to an HTTP status
 * (`gateway/src/receipts/codes.ts`); a bundle verifier maps them to the seed failure vocabulary.
 */
export const RECEIPT_CODES = [
  "RECEIPT_ENVELOPE_MALFORMED",
  "RECEIPT_PAYLOAD_TYPE_INVALID",
  "RECEIPT_KEYID_MISMATCH",
  "RECEIPT_SIGNATURE_INVALID",
  "RECEIPT_PAYLOAD_NOT_CANONICAL",
  "RECEIPT_SCHEMA_INVALID",
  "RECEIPT_VALUE_INVALID",
  "RECEIPT_TOO_LARGE",
  "RECEIPT_ROTATION_INVALID",
  "RECEIPT_KEY_INVALID",
  "LEDGER_CORRUPT",
  "LEDGER_KEY_MISMATCH",
  "LEDGER_ISSUER_MISMATCH",
] as const;

/** One of the receipt verification codes. */
export type ReceiptCode = (typeof RECEIPT_CODES)[number];

/** A ProtocolError with one of the receipt verification codes. */
export function receiptError(code: ReceiptCode, message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}
