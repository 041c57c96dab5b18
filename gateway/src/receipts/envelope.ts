import { sign } from "node:crypto";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { receiptError } from "./codes";
import { type ReceiptSigner, receiptKeyId } from "./keyid";
import { pae } from "./pae";
import { MAX_LINE_BYTES, RECEIPT_PAYLOAD_TYPE, type Hex, type Receipt } from "./receipt";
import { verifyReceiptSchema } from "./verifyReceipt";

/** One DSSE signature: keyid is the signer's receiptKid, sig the standard padded base64 of the Ed25519 signature. */
export interface ReceiptSignature {
  readonly keyid: Hex;
  readonly sig: string;
}

/** A DSSE envelope holding one receipt. */
export interface ReceiptEnvelope {
  /** Standard base64 (RFC 4648 §4, with padding) of the receipt's JCS bytes. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly [ReceiptSignature];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of standard padded base64 `text`, or undefined if it is anything else (URL-safe alphabet, missing
 * padding, whitespace, non-zero pad bits): one receipt has exactly one encoding, because its line is hashed.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

/** Signs `receipt` (checked against the schema first) into a DSSE envelope: Ed25519 over PAE(payloadType, JCS bytes). */
export function signReceipt(receipt: Receipt, signer: ReceiptSigner): ReceiptEnvelope {
  const body = Buffer.from(canonicalJson(verifyReceiptSchema(receipt)), "utf8");
  const sig = sign(null, pae(RECEIPT_PAYLOAD_TYPE, body), signer.privateKey);
  return {
    payload: body.toString("base64"),
    payloadType: RECEIPT_PAYLOAD_TYPE,
    signatures: [{ keyid: receiptKeyId(signer.publicKey), sig: sig.toString("base64") }],
  };
}

/** A ledger line: the JCS bytes of the envelope, without the newline (the Merkle leaf). Throws RECEIPT_TOO_LARGE. */
export function envelopeLine(envelope: ReceiptEnvelope): Buffer {
  const line = Buffer.from(canonicalJson(envelope), "utf8");
  if (line.length > MAX_LINE_BYTES) {
    throw receiptError("RECEIPT_TOO_LARGE", `expected a line of at most ${MAX_LINE_BYTES} bytes, got ${line.length}`);
  }
  return line;
}
