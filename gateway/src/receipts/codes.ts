import { ProtocolError } from "../../../client/src/protocol/errors";
import { GatewayError } from "../errors";

/**
 * The receipts layer's stable error codes and the HTTP status each maps to. `RECEIPT_*` codes reject a receipt,
 * an envelope or a key; `LEDGER_*` codes concern the ledger file and its writer.
 */
export const RECEIPT_ERROR_STATUS = {
  /** The envelope is not `{payload, payloadType, signatures:[{keyid, sig}]}` with strict standard base64. */
  RECEIPT_ENVELOPE_MALFORMED: 400,
  /** payloadType is not `application/vnd.swarm.receipt+json`. */
  RECEIPT_PAYLOAD_TYPE_INVALID: 400,
  /** The signature's keyid is not the RFC 7638 thumbprint of the expected key. */
  RECEIPT_KEYID_MISMATCH: 400,
  /** The Ed25519 signature over PAE(payloadType, payload) does not verify. */
  RECEIPT_SIGNATURE_INVALID: 400,
  /** The payload is not UTF-8 JSON in RFC 8785 (JCS) canonical form. */
  RECEIPT_PAYLOAD_NOT_CANONICAL: 400,
  /** The receipt lacks a field, has an extra one, or a top-level field is malformed. */
  RECEIPT_SCHEMA_INVALID: 400,
  /** A value inside subject/actor/intent/result breaks the project encoding (number, null, class instance, …). */
  RECEIPT_VALUE_INVALID: 400,
  /** The envelope line would exceed the ledger's line limit. */
  RECEIPT_TOO_LARGE: 400,
  /** A key-rotation receipt does not announce a well-formed successor of the current key. */
  RECEIPT_ROTATION_INVALID: 400,
  /** A signing or verification key is not an Ed25519 key of the right type, or a key pair does not match. */
  RECEIPT_KEY_INVALID: 500,
  /** No receipt with that seq has been made durable. */
  RECEIPT_NOT_FOUND: 404,
  /** A read asked for a range outside the ledger or larger than the read limit. */
  LEDGER_RANGE_INVALID: 400,
  /** A complete line in the ledger file does not verify: the chain is broken. Never repaired automatically. */
  LEDGER_CORRUPT: 500,
  /** The configured signing key is not the key the ledger's chain leads to (or line 0 is not signed by the genesis key). */
  LEDGER_KEY_MISMATCH: 500,
  /** The ledger's lines name another issuer than the configured one. */
  LEDGER_ISSUER_MISMATCH: 500,
  /** The ledger was opened with invalid options. */
  LEDGER_CONFIG_INVALID: 500,
  /** Opening, reading or repairing the ledger file failed at the OS level (permissions, EIO, …). */
  LEDGER_IO_FAILED: 503,
  /** A write or fsync failed: nothing after the last durable line can be trusted until the ledger is reopened. */
  LEDGER_WRITE_FAILED: 503,
  /** Too many bytes are waiting for the disk: the append was refused before it took a seq. */
  LEDGER_OVERLOADED: 503,
  /** The ledger was closed. */
  LEDGER_CLOSED: 503,
} as const;

/** One of the receipts layer's error codes. */
export type ReceiptErrorCode = keyof typeof RECEIPT_ERROR_STATUS;

/** A `GatewayError` with one of the receipts layer's codes and the status that code maps to. */
export function receiptError(code: ReceiptErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, RECEIPT_ERROR_STATUS[code], message, cause === undefined ? undefined : { cause });
}

/**
 * The receipt verification shared with the SDK (`client/src/protocol/receipts`) throws ProtocolErrors with these same
 * codes: this turns one into the GatewayError (and HTTP status) its code maps to; anything else passes unchanged.
 */
export function asReceiptError(err: unknown): unknown {
  if (!(err instanceof ProtocolError) || !Object.hasOwn(RECEIPT_ERROR_STATUS, err.code)) return err;
  return receiptError(err.code as ReceiptErrorCode, err.message, err.cause);
}

/** Wraps a shared receipt function so that it throws the gateway's GatewayErrors. */
export function withReceiptErrors<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      throw asReceiptError(err);
    }
  };
}
