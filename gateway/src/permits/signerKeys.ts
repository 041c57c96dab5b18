import { secp256k1 } from "@noble/curves/secp256k1";
import { invert } from "@noble/curves/abstract/modular";
import { type Address, type Hex, getAddress } from "viem";

/**
 * The public keys of permit signers already proven by an ECDSA recovery, so that the next signature by the same
 * address is checked without recovering again.
 *
 * Why not recovery every time: recovery multiplies a fresh point R (from r) by a scalar, which has no
 * precomputed table and was the gateway's single largest CPU cost per release (about a quarter of it). Checking
 * against a known key multiplies only G and the signer's key Q, both with precomputed tables. node:crypto cannot
 * help: it verifies ECDSA only over a digest it computes itself (never a given keccak digest) and never reveals
 * R's y parity. The check below is written to decide exactly what recovery decides, parity included:
 *
 *   recover(digest, r, s, v) = r⁻¹(s·R_v − e·G) equals Q  ⇔  R_v = s⁻¹(e·G + r·Q)
 *
 * where R_v is the point with x = r and the y parity v − 27, and e the digest mod n. Both sides refuse the same
 * malformed input (r or s out of 1..n−1, r not an x-coordinate); low-s and v ∈ {27, 28} are checked by the caller
 * before either path. Only keys whose keccak address matched an entitlement's signer are ever stored.
 */
export class SignerKeys {
  private readonly keys = new Map<Address, InstanceType<typeof Point>>();

  /** At most `maxKeys` signers are kept (least recently used dropped): each holds a precomputed table. */
  constructor(private readonly maxKeys = DEFAULT_MAX_KEYS) {}

  /** Whether a key is known for `signer`. */
  has(signer: Address): boolean {
    return this.keys.has(getAddress(signer));
  }

  /**
   * Remembers `publicKey` (uncompressed, 0x04…, as viem's recovery returns it) for `signer`. The caller proves the
   * pair: the key was recovered from a signature and its address is `signer`.
   */
  remember(signer: Address, publicKey: Hex): void {
    const address = getAddress(signer);
    if (this.keys.has(address)) return;
    const point = Point.fromHex(publicKey.slice(2));
    secp256k1.utils.precompute(WINDOW, point);
    this.keys.set(address, point);
    if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
  }

  /**
   * Whether (r, s, v) over `digest` recovers to the stored key of `signer`; undefined when no key is stored.
   * `v` is 27 or 28 and `s` at most n/2 (the caller's strict rules).
   */
  signs(signer: Address, digest: Hex, r: bigint, s: bigint, v: 27 | 28): boolean | undefined {
    const address = getAddress(signer);
    const key = this.keys.get(address);
    if (key === undefined) return undefined;
    this.keys.delete(address);
    this.keys.set(address, key); // most recently used last
    if (r < 1n || r >= N || s < 1n || s >= N) return false;
    let expected: InstanceType<typeof Point>;
    try {
      expected = Point.fromHex(`${v === 27 ? "02" : "03"}${r.toString(16).padStart(64, "0")}`);
    } catch {
      return false; // r is not the x-coordinate of a curve point: recovery fails the same way
    }
    const w = invert(s, N);
    const u1 = ((BigInt(digest) % N) * w) % N;
    const u2 = (r * w) % N;
    // Constant-time multiply: it uses the precomputed tables in every @noble/curves 1.x release.
    const sum = (u1 === 0n ? Point.ZERO : Point.BASE.multiply(u1)).add(key.multiply(u2));
    return sum.equals(expected);
  }
}

const Point = secp256k1.ProjectivePoint;
const N = secp256k1.CURVE.n;
/** Precomputed window: 2^5 × 43 points (about 200 KB) per signer, a check about 3× faster than recovery. */
const WINDOW = 6;
const DEFAULT_MAX_KEYS = 64;
