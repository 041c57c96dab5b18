import { type KeyObject, createPublicKey } from "node:crypto";
import { receiptKeyId } from "../protocol/receipts";
import type { Hex } from "../protocol/receipts";
import { fail } from "./codes";

/** An Ed25519 public key as SPKI PEM (the form of every key file in trust/). */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: "pem", type: "spki" }).toString();
}

/** Reads an Ed25519 public key from SPKI PEM; FAILURE_BUNDLE_MALFORMED for anything else. */
export function readEd25519Pem(pem: Buffer | string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", `expected ${what} as an SPKI PEM public key`, cause);
  }
  if (key.asymmetricKeyType !== "ed25519") fail("FAILURE_BUNDLE_MALFORMED", `expected ${what} to be an Ed25519 key`);
  return key;
}

/** The key's id in bundles: its receiptKid (RFC 7638 thumbprint, 0x hex). */
export function keyId(key: KeyObject): Hex {
  return receiptKeyId(key);
}
