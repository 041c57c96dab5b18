import { sign } from "node:crypto";
import { addMlDsaSignature, type MlDsaKeyPair } from "../../../client/src/protocol/hybrid";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { receiptError } from "./codes";
import { type ReceiptSigner, receiptKeyId } from "./keyid";
import { pae } from "./pae";
import type { ReceiptEnvelope } from "../../../client/src/protocol/receipts/envelope";
import { MAX_LINE_BYTES, RECEIPT_PAYLOAD_TYPE, type Receipt } from "./receipt";
import { verifyReceiptSchema } from "./verifyReceipt";

export { decodeStrictBase64 } from "../../../client/src/protocol/receipts/base64";
export type { ReceiptEnvelope, ReceiptSignature } from "../../../client/src/protocol/receipts/envelope";

/** A receipt signer, optionally hybrid: with `mlDsa`, every envelope also carries an ML-DSA-65 signature. */
export type HybridReceiptSigner = ReceiptSigner & { readonly mlDsa?: MlDsaKeyPair };

/**
 * Signs `receipt` (checked against the schema first) into a DSSE envelope: Ed25519 over PAE(payloadType, JCS bytes),
 * then, for a hybrid signer, ML-DSA-65 over the same PAE as a second signature.
 */
export function signReceipt(receipt: Receipt, signer: HybridReceiptSigner): ReceiptEnvelope {
  const body = Buffer.from(canonicalJson(verifyReceiptSchema(receipt)), "utf8");
  const sig = sign(null, pae(RECEIPT_PAYLOAD_TYPE, body), signer.privateKey);
  const envelope: ReceiptEnvelope = {
    payload: body.toString("base64"),
    payloadType: RECEIPT_PAYLOAD_TYPE,
    signatures: [{ keyid: receiptKeyId(signer.publicKey), sig: sig.toString("base64") }],
  };
  if (signer.mlDsa === undefined) return envelope;
  // ReceiptEnvelope's type still names one signature; a hybrid envelope carries [Ed25519, ML-DSA-65] (see
  // client/src/protocol/hybrid), and signatures[0] stays the Ed25519 one every existing check reads.
  return addMlDsaSignature(envelope, signer.mlDsa) as unknown as ReceiptEnvelope;
}

/** A ledger line: the JCS bytes of the envelope, without the newline (the Merkle leaf). Throws RECEIPT_TOO_LARGE. */
export function envelopeLine(envelope: ReceiptEnvelope): Buffer {
  const line = Buffer.from(canonicalJson(envelope), "utf8");
  if (line.length > MAX_LINE_BYTES) {
    throw receiptError("RECEIPT_TOO_LARGE", `expected a line of at most ${MAX_LINE_BYTES} bytes, got ${line.length}`);
  }
  return line;
}
