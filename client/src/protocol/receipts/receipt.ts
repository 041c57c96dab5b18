/** The DSSE payloadType of every swarm receipt. */
export const RECEIPT_PAYLOAD_TYPE = "application/vnd.swarm.receipt+json";

/** `prev` of the receipt at seq 0: 32 zero bytes. */
export const GENESIS_PREV = `0x${"00".repeat(32)}` as const;

/** The largest ledger line (JCS envelope bytes, without the newline) the ledger writes or accepts. */
export const MAX_LINE_BYTES = 64 * 1024;

/** What a receipt records. `key-rotation` is written only by the ledger's `rotateKey`. */
export const RECEIPT_KINDS = ["session", "released", "refused", "refused-aggregate", "error", "key-rotation"] as const;

/** One of the receipt kinds. */
export type ReceiptKind = (typeof RECEIPT_KINDS)[number];

/** 0x-prefixed lowercase hex. */
export type Hex = `0x${string}`;

/**
 * A value inside a receipt's subject, actor, intent or result: the project encoding (integers as decimal strings,
 * bytes as 0x lowercase hex) leaves strings, booleans, arrays and plain objects. No numbers, no null.
 */
export type ReceiptValue = string | boolean | readonly ReceiptValue[] | ReceiptObject;

/** A JSON object of receipt values. */
export interface ReceiptObject {
  readonly [key: string]: ReceiptValue;
}

/** What a caller asks the ledger to record; the ledger adds seq, prev, issuedAt and issuer. */
export interface ReceiptEntry {
  readonly kind: ReceiptKind;
  readonly subject: ReceiptObject;
  readonly actor: ReceiptObject;
  readonly intent: ReceiptObject;
  readonly result: ReceiptObject;
}

/** The signed receipt payload. */
export interface Receipt extends ReceiptEntry {
  /** Position in the ledger, decimal string from "0". */
  readonly seq: string;
  /** sha256 of the previous ledger line's bytes; GENESIS_PREV at seq 0. */
  readonly prev: Hex;
  /** RFC 3339 UTC with milliseconds, e.g. `2026-11-23T13:00:00.000Z`. */
  readonly issuedAt: string;
  /** CAIP-10 account of the gateway: `eip155:<chainId>:<address lowercase>`. */
  readonly issuer: string;
}
