import { type KeyObject, sign, verify } from "node:crypto";
import { canonicalJson, sha256Hex } from "../protocol/jcs";
import { decodeStrictBase64, pae } from "../protocol/receipts";
import { fail } from "./codes";
import { keyId } from "./keys";
import { CLAIM_PAYLOAD_TYPE } from "./layout";

/** CLAIM.dsse.json: a DSSE envelope of CLAIM.json's bytes, one Ed25519 signature by the claim issuer. */
export interface ClaimEnvelope {
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly [{ readonly keyid: string; readonly sig: string }];
}

/** Signs CLAIM.json's bytes into CLAIM.dsse.json's envelope (Ed25519 over the DSSE PAE). */
export function signClaim(claim: Buffer, signer: { privateKey: KeyObject; publicKey: KeyObject }): ClaimEnvelope {
  const sig = sign(null, pae(CLAIM_PAYLOAD_TYPE, claim), signer.privateKey);
  return {
    payload: claim.toString("base64"),
    payloadType: CLAIM_PAYLOAD_TYPE,
    signatures: [{ keyid: keyId(signer.publicKey), sig: sig.toString("base64") }],
  };
}

/** CLAIM.dsse.json's bytes (JCS). */
export function claimEnvelopeBytes(envelope: ClaimEnvelope): Buffer {
  return Buffer.from(canonicalJson(envelope), "utf8");
}

/** CLAIM.dsse.sha256: `sha256sum` format, the timestamp's target. */
export function claimDigestLine(envelopeBytes: Buffer): string {
  return `${sha256Hex(envelopeBytes).slice(2)}  CLAIM.dsse.json\n`;
}

/**
 * Checks CLAIM.dsse.json: the envelope's shape and payloadType (FAILURE_BUNDLE_MALFORMED), its payload is exactly
 * CLAIM.json's bytes (FAILURE_DIGEST_MISMATCH), and its keyid and signature are those of `issuerKey`
 * (FAILURE_SIGNATURE_INVALID). Returns the signing keyid.
 */
export function verifyClaimSignature(envelopeBytes: Buffer, claim: Buffer, issuerKey: KeyObject): string {
  let value: unknown;
  try {
    value = JSON.parse(envelopeBytes.toString("utf8"));
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.dsse.json to be JSON", cause);
  }
  const env = value as Partial<ClaimEnvelope> | null;
  const sig0 = Array.isArray(env?.signatures) && env.signatures.length === 1 ? env.signatures[0] : undefined;
  if (typeof env?.payload !== "string" || typeof sig0?.keyid !== "string" || typeof sig0.sig !== "string") {
    fail("FAILURE_BUNDLE_MALFORMED", "expected {payload, payloadType, signatures:[{keyid, sig}]}");
  }
  if (env.payloadType !== CLAIM_PAYLOAD_TYPE) {
    fail("FAILURE_BUNDLE_MALFORMED", `expected payloadType ${CLAIM_PAYLOAD_TYPE}`);
  }
  const payload = decodeStrictBase64(env.payload);
  if (payload === undefined || !payload.equals(claim)) {
    fail("FAILURE_DIGEST_MISMATCH", "expected the envelope's payload to be exactly CLAIM.json's bytes");
  }
  const expected = keyId(issuerKey);
  if (sig0.keyid !== expected) {
    fail("FAILURE_SIGNATURE_INVALID", `expected a signature by ${expected}, got keyid ${sig0.keyid.slice(0, 80)}`);
  }
  const sig = decodeStrictBase64(sig0.sig);
  if (sig?.length !== 64 || !verify(null, pae(CLAIM_PAYLOAD_TYPE, payload), issuerKey, sig)) {
    fail("FAILURE_SIGNATURE_INVALID", "expected a valid Ed25519 signature over the DSSE PAE of CLAIM.json");
  }
  return expected;
}
