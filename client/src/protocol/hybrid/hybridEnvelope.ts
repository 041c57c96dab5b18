import { type KeyObject, verify } from "node:crypto";

import { decodeStrictBase64 } from "../receipts/base64";
import { receiptKeyId } from "../receipts/keyid";
import { pae } from "../receipts/pae";
import { HYBRID_CODES, hybridError } from "./codes";
import { MLDSA_SIGNATURE_BYTES, type MlDsaKeyPair, mlDsaKeyId, mlDsaVerifies, signMlDsa } from "./mlDsa";

const ED25519_SIGNATURE_BYTES = 64;
const KEYID = /^0x[0-9a-f]{64}$/;

/** One DSSE signature. */
export interface DsseSignature {
  readonly keyid: `0x${string}`;
  readonly sig: string;
}

/**
 * A DSSE envelope signed Ed25519, optionally hybrid: `signatures` is `[ed25519]` or `[ed25519, mlDsa65]`, both over
 * the same PAE(payloadType, payload bytes). The order is fixed so that a verifier that knows only Ed25519 keeps
 * reading `signatures[0]`.
 */
export interface HybridEnvelope {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly [DsseSignature] | readonly [DsseSignature, DsseSignature];
}

/** The PAE bytes both signatures cover. */
export function envelopePae(envelope: Pick<HybridEnvelope, "payload" | "payloadType">): Buffer {
  const body = decodeStrictBase64(envelope.payload);
  if (body === undefined) throw hybridError(HYBRID_CODES.ENVELOPE_MALFORMED, "expected payload in padded base64");
  return pae(envelope.payloadType, body);
}

/** Appends the ML-DSA-65 signature over the envelope's PAE to an Ed25519-signed envelope. */
export function addMlDsaSignature<
  E extends { payload: string; payloadType: string; signatures: readonly DsseSignature[] },
>(envelope: E, key: MlDsaKeyPair): E & HybridEnvelope {
  if (envelope.signatures.length !== 1) {
    throw hybridError(HYBRID_CODES.ENVELOPE_MALFORMED, "expected exactly the Ed25519 signature before adding ML-DSA");
  }
  const sig = Buffer.from(signMlDsa(envelopePae(envelope), key)).toString("base64");
  return { ...envelope, signatures: [envelope.signatures[0]!, { keyid: mlDsaKeyId(key.publicKey), sig }] };
}

function isSignature(value: unknown): value is DsseSignature {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value).sort();
  const { keyid, sig } = value as Record<string, unknown>;
  return (
    keys.length === 2 &&
    keys[0] === "keyid" &&
    keys[1] === "sig" &&
    typeof keyid === "string" &&
    KEYID.test(keyid) &&
    typeof sig === "string"
  );
}

/**
 * Throws ENVELOPE_MALFORMED unless `signatures` is exactly `[{keyid, sig}]` with a 64-byte sig, or that followed by
 * one `{keyid, sig}` with a 3309-byte sig (strict padded base64 each, keyids 0x + 64 hex).
 */
export function verifyHybridShape(signatures: unknown): HybridEnvelope["signatures"] {
  if (!Array.isArray(signatures) || signatures.length < 1 || signatures.length > 2 || !signatures.every(isSignature)) {
    throw hybridError(HYBRID_CODES.ENVELOPE_MALFORMED, "expected [ed25519] or [ed25519, ml-dsa-65] {keyid, sig}");
  }
  const lengths = [ED25519_SIGNATURE_BYTES, MLDSA_SIGNATURE_BYTES];
  signatures.forEach((s, i) => {
    if (decodeStrictBase64(s.sig)?.length !== lengths[i]) {
      throw hybridError(HYBRID_CODES.ENVELOPE_MALFORMED, `expected signature ${i} as ${lengths[i]} bytes of base64`);
    }
  });
  return signatures as unknown as HybridEnvelope["signatures"];
}

/** Throws KEYID_MISMATCH / ED25519_INVALID unless signatures[0] is the pinned Ed25519 key's over the PAE. */
export function verifyEd25519Part(envelope: HybridEnvelope, publicKey: KeyObject, message: Buffer): void {
  const [first] = envelope.signatures;
  if (first.keyid !== receiptKeyId(publicKey)) {
    throw hybridError(HYBRID_CODES.KEYID_MISMATCH, `expected Ed25519 keyid ${receiptKeyId(publicKey)}`);
  }
  if (!verify(null, message, publicKey, Buffer.from(first.sig, "base64"))) {
    throw hybridError(HYBRID_CODES.ED25519_INVALID, "expected a valid Ed25519 signature over the DSSE PAE");
  }
}

/** Throws KEYID_MISMATCH / MLDSA_INVALID unless signatures[1] is the pinned ML-DSA-65 key's over the PAE. */
export function verifyMlDsaPart(envelope: HybridEnvelope, publicKey: Uint8Array, message: Buffer): void {
  const second = envelope.signatures[1];
  if (second === undefined) throw hybridError(HYBRID_CODES.SIGNATURE_MISSING, "expected an ML-DSA-65 signature");
  if (second.keyid !== mlDsaKeyId(publicKey)) {
    throw hybridError(HYBRID_CODES.KEYID_MISMATCH, `expected ML-DSA-65 keyid ${mlDsaKeyId(publicKey)}`);
  }
  if (!mlDsaVerifies(Buffer.from(second.sig, "base64"), message, publicKey)) {
    throw hybridError(HYBRID_CODES.MLDSA_INVALID, "expected a valid ML-DSA-65 signature over the DSSE PAE");
  }
}
