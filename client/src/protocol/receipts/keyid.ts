import { type KeyObject, createHash, createPublicKey } from "node:crypto";
import { receiptError } from "./codes";
import type { Hex } from "./receipt";

const RAW_KEY = /^0x[0-9a-f]{64}$/;
const keyIds = new WeakMap<KeyObject, Hex>();

/** Throws RECEIPT_KEY_INVALID unless `key` is an Ed25519 public KeyObject. */
export function verifyEd25519PublicKey(key: unknown): KeyObject {
  const k = key as Partial<KeyObject> | null;
  if (k === null || typeof k !== "object" || k.type !== "public" || k.asymmetricKeyType !== "ed25519") {
    throw receiptError("RECEIPT_KEY_INVALID", "expected an Ed25519 public KeyObject");
  }
  return key as KeyObject;
}

/** The base64url `x` member of the key's OKP JWK. */
function jwkX(publicKey: KeyObject): string {
  const x = verifyEd25519PublicKey(publicKey).export({ format: "jwk" }).x;
  if (typeof x !== "string") throw receiptError("RECEIPT_KEY_INVALID", "expected an OKP JWK with x");
  return x;
}

/** The raw 32-byte Ed25519 public key as 0x lowercase hex. */
export function publicKeyHex(publicKey: KeyObject): Hex {
  return `0x${Buffer.from(jwkX(publicKey), "base64url").toString("hex")}`;
}

/** The Ed25519 public KeyObject for a raw 32-byte key in 0x lowercase hex. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!RAW_KEY.test(hex)) throw receiptError("RECEIPT_KEY_INVALID", "expected a 32-byte Ed25519 key as 0x hex");
  const x = Buffer.from(hex.slice(2), "hex").toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
}

/**
 * The key's receiptKid: the RFC 7638 JWK thumbprint (SHA-256 over `{"crv":"Ed25519","kty":"OKP","x":…}`, the
 * required members in lexicographic order, no whitespace) as 0x lowercase hex.
 */
export function receiptKeyId(publicKey: KeyObject): Hex {
  const cached = keyIds.get(publicKey);
  if (cached !== undefined) return cached;
  const jwk = `{"crv":"Ed25519","kty":"OKP","x":"${jwkX(publicKey)}"}`;
  const thumbprint = createHash("sha256").update(jwk).digest("hex");
  const kid: Hex = `0x${thumbprint}`;
  keyIds.set(publicKey, kid);
  return kid;
}
