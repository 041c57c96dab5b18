import { type KeyObject, verify } from "node:crypto";
import { canonicalJson } from "../jcs";
import { receiptError } from "./codes";
import { decodeStrictBase64 } from "./base64";
import type { ReceiptEnvelope } from "./envelope";
import { receiptKeyId, verifyEd25519PublicKey } from "./keyid";
import { pae } from "./pae";
import type { SignatureCheck } from "./signaturePool";
import { MAX_LINE_BYTES, RECEIPT_PAYLOAD_TYPE, type Receipt } from "./receipt";
import { isPlainObject, verifyReceiptSchema } from "./verifyReceipt";

/** Receives a signature check to run later, in a batch. */
export type DeferSignature = (check: SignatureCheck) => void;

const ENVELOPE_FIELDS = ["payload", "payloadType", "signatures"];
const SIGNATURE_FIELDS = ["keyid", "sig"];
const ED25519_SIGNATURE_BYTES = 64;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function malformed(message: string): never {
  throw receiptError("RECEIPT_ENVELOPE_MALFORMED", message);
}

function hasExactKeys(value: Record<string, unknown>, fields: readonly string[]): boolean {
  const keys = Object.keys(value).sort();
  return keys.length === fields.length && keys.every((k, i) => k === fields[i]);
}

/**
 * Checks the envelope's shape: exactly payload, payloadType and one signature of exactly keyid and sig, every
 * value a string, payload and sig strict standard base64. Returns it typed.
 */
export function verifyEnvelopeShape(value: unknown): ReceiptEnvelope {
  if (!isPlainObject(value) || !hasExactKeys(value, ENVELOPE_FIELDS)) {
    malformed(`expected an object with exactly ${ENVELOPE_FIELDS.join(",")}`);
  }
  const { payload, payloadType, signatures } = value;
  if (typeof payload !== "string" || typeof payloadType !== "string") malformed("expected string payload and type");
  if (payload.length > MAX_LINE_BYTES) throw receiptError("RECEIPT_TOO_LARGE", "expected a smaller payload");
  if (decodeStrictBase64(payload) === undefined) malformed("expected payload in standard padded base64");
  // Exactly one: the Ed25519 signature. A hybrid (ML-DSA) second signature would be a new, versioned rule.
  if (!Array.isArray(signatures) || signatures.length !== 1) malformed("expected exactly one signature");
  const [signature] = signatures as unknown[];
  if (!isPlainObject(signature) || !hasExactKeys(signature, SIGNATURE_FIELDS)) malformed("expected {keyid, sig}");
  if (typeof signature.keyid !== "string" || typeof signature.sig !== "string") malformed("expected string keyid, sig");
  const sig = decodeStrictBase64(signature.sig);
  if (sig?.length !== ED25519_SIGNATURE_BYTES) malformed("expected sig as 64 bytes in standard padded base64");
  return value as unknown as ReceiptEnvelope;
}

/** Throws RECEIPT_PAYLOAD_TYPE_INVALID unless the envelope carries a swarm receipt. */
export function verifyPayloadType(envelope: ReceiptEnvelope): void {
  if (envelope.payloadType !== RECEIPT_PAYLOAD_TYPE) {
    throw receiptError(
      "RECEIPT_PAYLOAD_TYPE_INVALID",
      `expected payloadType ${RECEIPT_PAYLOAD_TYPE}, got ${JSON.stringify(envelope.payloadType.slice(0, 80))}`,
    );
  }
}

/** Throws RECEIPT_KEYID_MISMATCH unless the signature names the expected key's receiptKid. */
export function verifyKeyId(envelope: ReceiptEnvelope, publicKey: KeyObject): void {
  const expected = receiptKeyId(publicKey);
  const got = envelope.signatures[0].keyid;
  if (got !== expected) {
    throw receiptError("RECEIPT_KEYID_MISMATCH", `expected keyid ${expected}, got ${JSON.stringify(got.slice(0, 80))}`);
  }
}

/** Throws RECEIPT_SIGNATURE_INVALID unless the Ed25519 signature verifies over PAE(payloadType, body). */
export function verifyEnvelopeSignature(envelope: ReceiptEnvelope, body: Buffer, publicKey: KeyObject): void {
  const sig = Buffer.from(envelope.signatures[0].sig, "base64");
  if (!verify(null, pae(envelope.payloadType, body), publicKey, sig)) {
    throw receiptError("RECEIPT_SIGNATURE_INVALID", "expected a valid Ed25519 signature over the DSSE PAE");
  }
}

/** Parses the payload bytes, throwing RECEIPT_PAYLOAD_NOT_CANONICAL unless they are UTF-8 JSON in JCS form. */
export function verifyCanonicalPayload(body: Buffer): unknown {
  let text: string;
  let parsed: unknown;
  let canonical: string;
  try {
    text = utf8.decode(body);
    parsed = JSON.parse(text);
    canonical = canonicalJson(parsed); // throws on a number JSON.parse turned into Infinity
  } catch (cause) {
    throw receiptError("RECEIPT_PAYLOAD_NOT_CANONICAL", "expected the payload to be UTF-8 JSON", cause);
  }
  if (canonical !== text) {
    throw receiptError("RECEIPT_PAYLOAD_NOT_CANONICAL", "expected the payload in RFC 8785 (JCS) canonical form");
  }
  return parsed;
}

/**
 * Verifies a receipt envelope against the issuer's Ed25519 key and returns the receipt: shape → payloadType →
 * keyid → signature → canonical payload → receipt schema. Chain position (seq, prev) is the ledger's to check.
 * With `deferSignature`, the Ed25519 check is handed to it instead (a batch verifier that MUST run it before the
 * result is used: see verifyLedgerBytesWith).
 */
export function verifyReceiptEnvelope(
  envelope: unknown,
  publicKey: KeyObject,
  deferSignature?: DeferSignature,
): Receipt {
  verifyEd25519PublicKey(publicKey);
  const checked = verifyEnvelopeShape(envelope);
  verifyPayloadType(checked);
  verifyKeyId(checked, publicKey);
  const body = Buffer.from(checked.payload, "base64");
  if (deferSignature === undefined) verifyEnvelopeSignature(checked, body, publicKey);
  else
    deferSignature({
      message: pae(checked.payloadType, body),
      signature: Buffer.from(checked.signatures[0].sig, "base64"),
      key: publicKey,
    });
  return verifyReceiptSchema(verifyCanonicalPayload(body));
}
