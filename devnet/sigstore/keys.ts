import { KeyObject, createHash, randomBytes, webcrypto } from "node:crypto";

/** An ECDSA key pair usable by WebCrypto (X.509 and CMS signing) and by node:crypto (log signatures). */
export interface EcKeyPair {
  curve: "P-256" | "P-384";
  /** The hash ECDSA signs with: SHA-256 on P-256, SHA-384 on P-384 (as GitHub's CA and TSA do). */
  hash: "SHA-256" | "SHA-384";
  webPrivateKey: CryptoKey;
  webPublicKey: CryptoKey;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
}

/** A fresh ECDSA key pair on `curve`. */
export async function generateEcKeyPair(curve: EcKeyPair["curve"]): Promise<EcKeyPair> {
  const pair = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"]);
  const publicKey = KeyObject.from(pair.publicKey);
  return {
    curve,
    hash: curve === "P-256" ? "SHA-256" : "SHA-384",
    webPrivateKey: pair.privateKey,
    webPublicKey: pair.publicKey,
    privateKey: KeyObject.from(pair.privateKey),
    publicKey,
    spki: publicKey.export({ type: "spki", format: "der" }),
  };
}

/** A log's ID as Rekor and the trusted root define it: sha256 of the DER SubjectPublicKeyInfo. */
export function logIdOf(spki: Buffer): Buffer {
  return createHash("sha256").update(spki).digest();
}

/** A positive 20-byte certificate serial number as hex (top bit clear, first byte non-zero), as Fulcio's. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(20);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString("hex");
}
