import { canonicalJson } from "../../../client/src/protocol/jcs";
import type { WorkerJwk } from "../../../client/src/protocol/keys";
import type { FuzzRandom } from "./fuzzRandom";
import {
  type JsonObject,
  differentHex,
  hostileValue,
  malformedHex,
  typeSwapped,
  withField,
  withoutField,
} from "./fuzzValues";

/** secp256k1's group order. */
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** What field mutations need besides the original value. */
export interface FieldContext {
  /** A valid worker key that is not the one the permit names. */
  otherJwk: WorkerJwk;
  /** The offer's capsule, JCS bytes. */
  capsule: Uint8Array;
}

/** A mutated value and what was done. */
export type Mutated = [label: string, value: unknown];

/** The same ECDSA signature with s → n − s and v flipped (27 ↔ 28): valid math, refused as malleable (high s). */
export function malleableTwin(signature: string): string {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  return `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, "0")}${(55 - v).toString(16)}`;
}

/** `s` with one base64url character replaced by another. */
function flipB64(rng: FuzzRandom, s: string): string {
  const i = rng.int(s.length);
  const others = [...B64URL.replace(s[i]!, "")];
  return `${s.slice(0, i)}${rng.pick(others)}${s.slice(i + 1)}`;
}

/** A 65-byte EIP-712 signature the checks must refuse. */
export function mutateSignature(rng: FuzzRandom, sig: string): Mutated {
  const v = parseInt(sig.slice(130, 132), 16);
  return rng.pick<() => Mutated>([
    () => ["signature: r changed", differentHex(rng, sig.slice(0, 66)) + sig.slice(66)],
    () => [
      "signature: s changed",
      sig.slice(0, 66) + differentHex(rng, `0x${sig.slice(66, 130)}`).slice(2) + sig.slice(130),
    ],
    () => ["signature: v flipped", `${sig.slice(0, 130)}${(55 - v).toString(16)}`],
    () => ["signature: v as 0/1", `${sig.slice(0, 130)}0${(v - 27) & 1}`],
    () => ["signature: high-s twin", malleableTwin(sig)],
    () => ["signature: 64 bytes", sig.slice(0, 130)],
    () => ["signature: 66 bytes", `${sig}00`],
    () => ["signature: doubled", sig + sig.slice(2)],
    () => ["signature: zero", `0x${"00".repeat(65)}`],
    () => ["signature: malformed", malformedHex(rng, sig)],
    () => ["signature: wrong type", typeSwapped(rng, sig)],
    () => ["signature: hostile", hostileValue(rng)],
  ])();
}

/** A worker or recipient JWK the checks must refuse: another key, a private key, a bad point, a bad shape. */
export function mutateJwk(rng: FuzzRandom, jwk: JsonObject, ctx: FieldContext): Mutated {
  const x = jwk.x as string;
  return rng.pick<() => Mutated>([
    () => ["jwk: another key", { ...ctx.otherJwk }],
    () => ["jwk: with private d", withField(jwk, "d", x)],
    () => ["jwk: crv Ed25519", withField(jwk, "crv", "Ed25519")],
    () => ["jwk: kty EC", withField(jwk, "kty", rng.pick(["EC", "RSA", "oct", "okp"]))],
    () => ["jwk: x one char changed", withField(jwk, "x", flipB64(rng, x))],
    () => ["jwk: x truncated", withField(jwk, "x", x.slice(0, rng.int(x.length)))],
    () => ["jwk: x padded", withField(jwk, "x", `${x}=`)],
    () => ["jwk: x small order", withField(jwk, "x", Buffer.alloc(32).toString("base64url"))],
    () => ["jwk: x non-canonical", withField(jwk, "x", Buffer.alloc(32, 0xff).toString("base64url"))],
    () => ["jwk: x standard base64", withField(jwk, "x", Buffer.from(x, "base64url").toString("base64"))],
    () => ["jwk: unknown member", withField(jwk, rng.pick(["n", "e", "x5u", "jku", "k"]), "x")],
    () => ["jwk: member dropped", withoutField(jwk, rng.pick(["kty", "crv", "x"]))],
    () => ["jwk: wrong type", typeSwapped(rng, jwk)],
    () => ["jwk: hostile", hostileValue(rng)],
  ])();
}

/** A policy reference that names no capsule the offer pins, or names it in a form that is refused. */
export function mutatePolicy(rng: FuzzRandom, policy: JsonObject, ctx: FieldContext): Mutated {
  const hash = policy.hash as string;
  const capsule = JSON.parse(Buffer.from(ctx.capsule).toString("utf8")) as JsonObject;
  const edited = { ...capsule, limits: { maxSeconds: "601", maxStateBytes: "1048576" } };
  return rng.pick<() => Mutated>([
    () => ["policy: another hash", { hash: differentHex(rng, hash) }],
    () => ["policy: malformed hash", { hash: malformedHex(rng, hash) }],
    () => ["policy: another capsule", { capsule: Buffer.from(canonicalJson(edited)).toString("base64url") }],
    () => [
      "policy: capsule not canonical",
      { capsule: Buffer.from(JSON.stringify(capsule, null, 1)).toString("base64url") },
    ],
    () => [
      "policy: capsule garbage",
      { capsule: rng.pick(["!!!", "AAAA", "e30", Buffer.from(rng.bytes(64)).toString("base64url")]) },
    ],
    () => ["policy: capsule too long", { capsule: "A".repeat(100_001) }],
    () => ["policy: hash and capsule", { hash, capsule: Buffer.from(ctx.capsule).toString("base64url") }],
    () => ["policy: empty", {}],
    () => ["policy: wrong type", typeSwapped(rng, policy)],
  ])();
}
