import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from "node:crypto";
import type { Hex } from "viem";

import { ProtocolError } from "./errors";
import { canonicalJson, sha256Hex } from "./jcs";

/** Error code of every refusal of a worker (or recipient) key. */
export const WORKER_KEY_INVALID = "WORKER_KEY_INVALID";

/** A runner's (or a buyer's state-key recipient's) public X25519 key: exactly these three members. */
export interface WorkerJwk {
  readonly kty: "OKP";
  readonly crv: "X25519";
  /** base64url (no padding, canonical) of the 32-byte u-coordinate, little-endian as RFC 7748 encodes it. */
  readonly x: string;
}

/** An Ed25519 public key as a JWK (the gateway's netCap and receipt keys). */
export interface Ed25519PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
}

/** A freshly generated worker key: the public JWK to register, and the private key that never leaves the runner. */
export interface WorkerKeyPair {
  readonly publicJwk: WorkerJwk;
  readonly privateKey: KeyObject;
}

/**
 * Optional JWK members a worker key may carry, and the only value each may take. They are dropped by the parser
 * (the thumbprint ignores them); anything else, `d` above all, is refused.
 */
const OPTIONAL_MEMBERS: ReadonlyMap<string, (v: unknown) => boolean> = new Map([
  ["kid", (v: unknown) => typeof v === "string" && /^[\x21-\x7e]{1,128}$/.test(v)],
  ["use", (v: unknown) => v === "enc"],
  ["alg", (v: unknown) => v === "ECDH-ES+A256KW"],
]);

/** 2^255 − 19: u-coordinates are canonical only below it. */
const CURVE25519_P = (1n << 255n) - 19n;

/**
 * A fixed X25519 private key (scalar sha256("swarm/v1/x25519-probe"), PKCS#8 DER) used only to probe a public key
 * for small order: the probe's output is discarded. Not a secret.
 */
const PROBE_KEY = createPrivateKey({
  key: Buffer.concat([
    Buffer.from("302e020100300506032b656e04220420", "hex"),
    createHash("sha256").update("swarm/v1/x25519-probe").digest(),
  ]),
  format: "der",
  type: "pkcs8",
});

function refuse(message: string, cause?: unknown): never {
  throw new ProtocolError(WORKER_KEY_INVALID, message, cause === undefined ? undefined : { cause });
}

/** Whether `v` is a plain JSON object (not null, not an array, no exotic prototype). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The bytes of a canonical unpadded base64url string of exactly `length` bytes, or undefined. */
export function decodeBase64urlExact(s: string, length: number): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const bytes = Buffer.from(s, "base64url");
  if (bytes.length !== length || bytes.toString("base64url") !== s) return undefined;
  return new Uint8Array(bytes);
}

/** Refuses a u-coordinate that is non-canonical (≥ p, top bit set) or of small order (a shared secret of zero). */
function verifyX25519Point(u: Uint8Array, x: string): void {
  const value = BigInt(`0x${Buffer.from(u).reverse().toString("hex")}`);
  if (value >= CURVE25519_P) refuse("expected a canonical X25519 u-coordinate (< 2^255 - 19), got a larger one");
  try {
    const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
    diffieHellman({ privateKey: PROBE_KEY, publicKey });
  } catch (cause) {
    refuse("expected an X25519 public key of large order, got a small-order point", cause);
  }
}

/**
 * Parses a runner's public X25519 JWK, strictly: `{ kty: "OKP", crv: "X25519", x }` with x the canonical base64url
 * of 32 bytes, plus at most `kid` (printable ASCII, ≤ 128), `use: "enc"` and `alg: "ECDH-ES+A256KW"`, which are
 * dropped. A private member (`d`) or any other member is refused: a private key must never be sent.
 */
export function parseWorkerJwk(jwk: unknown): WorkerJwk {
  if (!isPlainObject(jwk)) refuse("expected a JWK object");
  for (const name of Object.keys(jwk)) {
    if (name === "d") refuse('expected a public JWK, got one with a private member "d"');
    if (name === "kty" || name === "crv" || name === "x") continue;
    const allowed = OPTIONAL_MEMBERS.get(name);
    if (allowed === undefined)
      refuse(`expected only kty, crv, x (and kid, use, alg), got member "${name.slice(0, 32)}"`);
    if (!allowed(jwk[name])) refuse(`JWK member "${name}" has a value that is not allowed`);
  }
  if (jwk.kty !== "OKP") refuse('expected kty "OKP"');
  if (jwk.crv !== "X25519") refuse('expected crv "X25519"');
  if (typeof jwk.x !== "string") refuse("expected x to be a string");
  const u = decodeBase64urlExact(jwk.x, 32);
  if (u === undefined) refuse("expected x to be canonical unpadded base64url of exactly 32 bytes");
  verifyX25519Point(u, jwk.x);
  return { kty: "OKP", crv: "X25519", x: jwk.x };
}

/**
 * RFC 7638 SHA-256 thumbprint of an OKP public key — sha256 of `{"crv":…,"kty":"OKP","x":…}` (required members
 * only, lexicographic order, no whitespace) — as 0x lowercase hex: a StepPermit's `workerKey`, a netCap `kid`.
 */
export function jwkThumbprint(jwk: WorkerJwk | Ed25519PublicJwk): Hex {
  return sha256Hex(canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }));
}

/** A new X25519 key pair for a runner: register `publicJwk`, keep `privateKey` in memory only. */
export function generateWorkerKeyPair(): WorkerKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const exported = publicKey.export({ format: "jwk" });
  return { publicJwk: parseWorkerJwk({ kty: exported.kty, crv: exported.crv, x: exported.x }), privateKey };
}

/** The public JWK of an Ed25519 key (private or public KeyObject): what a netCap `kid` is the thumbprint of. */
export function ed25519PublicJwk(key: KeyObject): Ed25519PublicJwk {
  if (key.asymmetricKeyType !== "ed25519") throw new ProtocolError("KEY_TYPE_INVALID", "expected an Ed25519 key");
  const exported = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" });
  if (typeof exported.x !== "string") throw new ProtocolError("KEY_TYPE_INVALID", "expected an OKP JWK export");
  return { kty: "OKP", crv: "Ed25519", x: exported.x };
}
