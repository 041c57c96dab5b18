import { type KeyObject, verify } from "node:crypto";
import { HYBRID_CODES } from "../hybrid/codes";
import { verifyHybridShape, verifyMlDsaPart } from "../hybrid/hybridEnvelope";
import { canonicalJson } from "../jcs";
import { ProtocolError } from "../errors";
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
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function malformed(message: string): never {
  throw receiptError("RECEIPT_ENVELOPE_MALFORMED", message);
}

function hasExactKeys(value: Record<string, unknown>, fields: readonly string[]): boolean {
  const keys = Object.keys(value).sort();
  return keys.length === fields.length && keys.every((k, i) => k === fields[i]);
}

/**
 * Checks the envelope's shape: exactly payload, payloadType and signatures `[Ed25519]` or `[Ed25519, ML-DSA-65]`
 * (each exactly keyid and sig, 0x-hex keyids, sigs of 64 and 3309 bytes), every value a string, payload and sigs
 * strict standard base64. Returns it typed.
 */
export function verifyEnvelopeShape(value: unknown): ReceiptEnvelope {
  if (!isPlainObject(value) || !hasExactKeys(value, ENVELOPE_FIELDS)) {
    malformed(`expected an object with exactly ${ENVELOPE_FIELDS.join(",")}`);
  }
  const { payload, payloadType, signatures } = value;
  if (typeof payload !== "string" || typeof payloadType !== "string") malformed("expected string payload and type");
  if (payload.length > MAX_LINE_BYTES) throw receiptError("RECEIPT_TOO_LARGE", "expected a smaller payload");
  if (decodeStrictBase64(payload) === undefined) malformed("expected payload in standard padded base64");
  // [Ed25519] or [Ed25519, ML-DSA-65], in that fixed order: the hybrid module's shape rule, one rule for both.
  try {
    verifyHybridShape(signatures);
  } catch (cause) {
    throw receiptError("RECEIPT_ENVELOPE_MALFORMED", (cause as Error).message, cause);
  }
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

/**
 * Throws RECEIPT_KEYID_MISMATCH / RECEIPT_SIGNATURE_INVALID unless the envelope's second signature is `mlDsaKey`'s
 * ML-DSA-65 signature over PAE(payloadType, body). Call it only for a hybrid envelope (two signatures).
 */
export function verifyMlDsaSignature(envelope: ReceiptEnvelope, body: Buffer, mlDsaKey: Uint8Array): void {
  try {
    verifyMlDsaPart(envelope, mlDsaKey, pae(envelope.payloadType, body));
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if (err.code === HYBRID_CODES.KEYID_MISMATCH) throw receiptError("RECEIPT_KEYID_MISMATCH", err.message, err);
    if (err.code === HYBRID_CODES.KEY_INVALID) throw receiptError("RECEIPT_KEY_INVALID", err.message, err);
    throw receiptError("RECEIPT_SIGNATURE_INVALID", err.message, err);
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
 * result is used: see verifyLedgerBytesWith). With `mlDsaKey`, a hybrid envelope's ML-DSA-65 signature is verified
 * too (after the Ed25519 keyid); without it, that signature is only shape-checked: whether a hybrid envelope may be
 * accepted unchecked is the caller's policy (the gateway's ledger refuses it: recoverLedger).
 */
export function verifyReceiptEnvelope(
  envelope: unknown,
  publicKey: KeyObject,
  deferSignature?: DeferSignature,
  mlDsaKey?: Uint8Array,
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
  if (mlDsaKey !== undefined && checked.signatures.length === 2) verifyMlDsaSignature(checked, body, mlDsaKey);
  return verifyReceiptSchema(verifyCanonicalPayload(body));
}
