import { type KeyObject, sign, verify } from "node:crypto";
import * as shared from "../../../client/src/protocol/receipts/keyid";
import { receiptError, withReceiptErrors } from "./codes";

// Key encodings and the receiptKid are shared with the SDK; here they throw GatewayErrors with the same codes.

/** Throws RECEIPT_KEY_INVALID unless `key` is an Ed25519 public KeyObject. */
export const verifyEd25519PublicKey = withReceiptErrors(shared.verifyEd25519PublicKey);
/** The raw 32-byte Ed25519 public key as 0x lowercase hex. */
export const publicKeyHex = withReceiptErrors(shared.publicKeyHex);
/** The Ed25519 public KeyObject for a raw 32-byte key in 0x lowercase hex. */
export const publicKeyFromHex = withReceiptErrors(shared.publicKeyFromHex);
/** The key's receiptKid: the RFC 7638 JWK thumbprint as 0x lowercase hex. */
export const receiptKeyId = withReceiptErrors(shared.receiptKeyId);

/** A gateway receipt signing key pair (node:crypto Ed25519 KeyObjects). */
export interface ReceiptSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Throws RECEIPT_KEY_INVALID unless `signer` holds an Ed25519 private key and its own public key. */
export function verifySigner(signer: ReceiptSigner): ReceiptSigner {
  verifyEd25519PublicKey(signer.publicKey);
  const { privateKey } = signer;
  if (privateKey?.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw receiptError("RECEIPT_KEY_INVALID", "expected an Ed25519 private KeyObject");
  }
  const probe = Buffer.from("swarm receipt signer check");
  if (!verify(null, probe, signer.publicKey, sign(null, probe, privateKey))) {
    throw receiptError("RECEIPT_KEY_INVALID", "expected the signer's public key to match its private key");
  }
  return signer;
}
