import type { Hex } from "./receipt";

/** One DSSE signature: keyid is the signer's receiptKid, sig the standard padded base64 of the Ed25519 signature. */
export interface ReceiptSignature {
  readonly keyid: Hex;
  readonly sig: string;
}

/**
 * A DSSE envelope holding one receipt. `signatures` is `[Ed25519]` or, signed hybrid, `[Ed25519, ML-DSA-65]` in that
 * fixed order (`client/src/protocol/hybrid/hybridEnvelope.ts`): `signatures[0]` is always the Ed25519 one.
 */
export interface ReceiptEnvelope {
  /** Standard base64 (RFC 4648 §4, with padding) of the receipt's JCS bytes. */
  readonly payload: string;
  readonly payloadType: string;
  readonly signatures: readonly [ReceiptSignature] | readonly [ReceiptSignature, ReceiptSignature];
}
