import { type KeyObject, constants, createHmac, generateKeyPairSync, sign } from "node:crypto";

/** Key material a JWS may be signed with; what is used depends on the alg. */
export interface SigningMaterial {
  /** RS*, PS*, ES*, EdDSA. When absent for ES* or EdDSA, a throwaway key of the right curve is used. */
  privateKey?: KeyObject;
  /** HS*: the HMAC secret. */
  secret?: Uint8Array | string;
}

const DIGESTS: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };
const CURVES: Record<string, string> = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

function signature(headerAlg: string, data: Buffer, material: SigningMaterial): Buffer {
  // Case-insensitive so that tests can send `rs256` and the like: verifiers must compare exactly.
  const alg = headerAlg.toUpperCase();
  if (alg === "NONE") return Buffer.alloc(0);
  const family = alg.slice(0, 2);
  const digest = DIGESTS[alg.slice(2)];
  if (alg === "EDDSA") {
    return sign(null, data, material.privateKey ?? generateKeyPairSync("ed25519").privateKey);
  }
  if (digest === undefined) throw new Error(`unsupported alg ${alg}`);
  if (family === "HS") {
    if (material.secret === undefined) throw new Error(`${alg} needs a secret`);
    return createHmac(digest, material.secret).update(data).digest();
  }
  if (family === "ES") {
    const key = material.privateKey ?? generateKeyPairSync("ec", { namedCurve: CURVES[alg]! }).privateKey;
    return sign(digest, data, { key, dsaEncoding: "ieee-p1363" });
  }
  if (material.privateKey === undefined) throw new Error(`${alg} needs a private key`);
  if (family === "RS") return sign(digest, data, material.privateKey);
  if (family === "PS") {
    return sign(digest, data, {
      key: material.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  throw new Error(`unsupported alg ${alg}`);
}

/**
 * A compact JWS over `payload` with exactly `header` (its `alg` picks the algorithm). Unlike a JWT library
 * it signs whatever it is told, including `none`, HMAC keyed with a public key, and headers that lie: the
 * issuer uses it for its real tokens and tests use it for hostile ones.
 */
export function signCompactJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  material: SigningMaterial,
): string {
  const alg = header.alg;
  if (typeof alg !== "string") throw new Error("the header needs a string alg");
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${signature(alg, Buffer.from(input), material).toString("base64url")}`;
}
