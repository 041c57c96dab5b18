import { type CryptoKey, importJWK } from "jose";
import { z } from "zod";

/** RS256 keys shorter than this are not imported (RFC 7518 §3.3 requires at least 2048 bits). */
const MIN_MODULUS_BYTES = 256;

const jwksDocument = z.object({ keys: z.array(z.unknown()).max(100) });

const rsaSigningJwk = z.object({
  kty: z.literal("RSA"),
  kid: z.string().min(1).max(256),
  n: z.string().regex(/^[A-Za-z0-9_-]+$/),
  e: z.string().regex(/^[A-Za-z0-9_-]+$/),
  use: z.literal("sig").optional(),
  alg: z.literal("RS256").optional(),
});

/**
 * The RS256 verification keys of a JWKS document, by kid. Keys of another type, use or algorithm, and keys
 * shorter than 2048 bits, are skipped rather than rejected so that an issuer publishing other key types
 * does not break verification. Only the public parameters are imported; a document that is not a JWKS, or
 * that names one kid twice, is rejected: choosing between two keys for one kid is not this code's call.
 */
export async function importJwksKeys(document: unknown): Promise<Map<string, CryptoKey>> {
  const parsed = jwksDocument.safeParse(document);
  if (!parsed.success) throw new TypeError("expected a JWKS document: an object with a `keys` array");
  const keys = new Map<string, CryptoKey>();
  const seen = new Set<string>();
  for (const entry of parsed.data.keys) {
    const kid = typeof entry === "object" && entry !== null ? (entry as { kid?: unknown }).kid : undefined;
    if (typeof kid === "string") {
      if (seen.has(kid)) throw new TypeError(`expected unique kids, got ${JSON.stringify(kid)} twice`);
      seen.add(kid);
    }
    const jwk = rsaSigningJwk.safeParse(entry);
    if (!jwk.success || Buffer.from(jwk.data.n, "base64url").length < MIN_MODULUS_BYTES) continue;
    const key = await importJWK({ kty: "RSA", n: jwk.data.n, e: jwk.data.e }, "RS256").catch(() => undefined);
    if (key !== undefined && !(key instanceof Uint8Array)) keys.set(jwk.data.kid, key);
  }
  return keys;
}
