import type { KeyObject } from "node:crypto";

import { FAILURE_WITNESS_INVALID, tlogError } from "./codes";
import { ed25519PublicKey, ed25519RawPublic, ed25519Sign, ed25519Verify, isEd25519 } from "./ed25519";
import type { NoteSignature } from "./note";
import { type NoteVerifier, SIG_TYPE_COSIGNATURE_V1, isValidKeyName, noteKeyId } from "./noteKeys";

/** A witness's Ed25519 cosignature/v1 key: its name and public key. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: KeyObject;
}

/** A verified cosignature: which witness, and the time (Unix seconds) it vouched for the checkpoint at. */
export interface VerifiedCosignature {
  readonly name: string;
  readonly keyId: number;
  readonly time: number;
}

const TIMESTAMP_BYTES = 8;
const SIGNATURE_BYTES = 64;

/** The exact bytes a cosignature/v1 signs: `cosignature/v1\ntime <decimal>\n` then the whole checkpoint body. */
export function cosignedMessage(checkpointText: string | Uint8Array, time: number): Uint8Array {
  const body = typeof checkpointText === "string" ? Buffer.from(checkpointText, "utf8") : checkpointText;
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${time}\n`, "utf8"), body]);
}

function splitTimestamped(signature: Uint8Array): { time: number; sig: Uint8Array } | undefined {
  if (signature.length !== TIMESTAMP_BYTES + SIGNATURE_BYTES) return undefined;
  const time = Buffer.from(signature).readBigUInt64BE(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { time: Number(time), sig: signature.subarray(TIMESTAMP_BYTES) };
}

/** A verifier of `name`'s cosignature/v1 lines (key ID with signature type 0x04). */
export function cosignatureVerifier(name: string, publicKey: KeyObject | Uint8Array): CosignatureVerifier {
  const raw = publicKey instanceof Uint8Array ? publicKey : ed25519RawPublic(publicKey);
  if (raw.length !== 32) throw new TypeError("expected a 32-byte Ed25519 public key");
  const key = ed25519PublicKey(raw);
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_COSIGNATURE_V1, raw),
    publicKey: key,
    verify: (text, signature) => {
      const parts = splitTimestamped(signature);
      return parts !== undefined && ed25519Verify(key, cosignedMessage(text, parts.time), parts.sig);
    },
  };
}

/** A witness's cosignature/v1 over a checkpoint body at `time` (Unix seconds): a note signature line's content. */
export function cosign(
  checkpointText: string,
  witness: { name: string; privateKey: KeyObject },
  time: number,
): NoteSignature {
  if (!isValidKeyName(witness.name)) throw new TypeError(`expected a valid witness name, got ${witness.name}`);
  if (!isEd25519(witness.privateKey) || witness.privateKey.type !== "private") {
    throw new TypeError("expected an Ed25519 private key");
  }
  if (!Number.isSafeInteger(time) || time < 0) throw new TypeError(`expected Unix seconds, got ${time}`);
  const stamp = Buffer.alloc(TIMESTAMP_BYTES);
  stamp.writeBigUInt64BE(BigInt(time), 0);
  const sig = ed25519Sign(witness.privateKey, cosignedMessage(checkpointText, time));
  const keyId = noteKeyId(witness.name, SIG_TYPE_COSIGNATURE_V1, ed25519RawPublic(witness.privateKey));
  return { name: witness.name, keyId, signature: Buffer.concat([stamp, sig]) };
}

/**
 * Verifies one cosignature line against a witness key and a checkpoint body; FAILURE_WITNESS_INVALID when the line
 * is from another key, is not 8 + 64 bytes, does not verify, or (with `notAfter`, Unix seconds) is from the future.
 */
export function verifyCosignature(
  checkpointText: string,
  cosignature: NoteSignature,
  witness: CosignatureVerifier,
  notAfter?: number,
): VerifiedCosignature {
  const fail = (why: string): never => {
    throw tlogError(FAILURE_WITNESS_INVALID, `expected a valid cosignature from ${witness.name}: ${why}`);
  };
  if (cosignature.name !== witness.name || cosignature.keyId >>> 0 !== witness.keyId >>> 0) fail("another key signed");
  const parts = splitTimestamped(cosignature.signature);
  if (parts === undefined) fail("expected an 8-byte timestamp and a 64-byte Ed25519 signature");
  const { time, sig } = parts!;
  if (!ed25519Verify(witness.publicKey, cosignedMessage(checkpointText, time), sig)) fail("the signature is wrong");
  if (notAfter !== undefined && time > notAfter) fail(`its time ${time} is in the future`);
  return { name: witness.name, keyId: witness.keyId, time };
}
