import { type KeyObject, generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint } from "jose";

const generateKeyPairAsync = promisify(generateKeyPair);

/** One of the issuer's RSA signing keys. */
export interface SigningKey {
  /** The RFC 7638 thumbprint of the public key. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The JWKS entry: `kty`, `n`, `e`, `kid`, `alg: RS256`, `use: sig`. */
  jwk: { kty: "RSA"; n: string; e: string; kid: string; alg: "RS256"; use: "sig" };
}

/** A fresh 2048-bit RSA signing key, named by its thumbprint. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: 2048 });
  const exported = publicKey.export({ format: "jwk" });
  if (typeof exported.n !== "string" || typeof exported.e !== "string") throw new Error("expected an RSA public JWK");
  const { n, e } = exported;
  const kid = await calculateJwkThumbprint({ kty: "RSA", n, e }, "sha256");
  return { kid, privateKey, publicKey, jwk: { kty: "RSA", n, e, kid, alg: "RS256", use: "sig" } };
}
