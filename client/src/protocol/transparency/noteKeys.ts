import { type KeyObject, createHash, verify as cryptoVerify } from "node:crypto";

import { hasControlCharacter } from "./text";
import { ed25519PublicKey, ed25519RawPublic, ed25519Sign, ed25519Verify, isEd25519 } from "./ed25519";

/** C2SP signed-note signature type of plain Ed25519 note signatures (logs: checkpoints). */
export const SIG_TYPE_ED25519 = 0x01;
/** C2SP signed-note signature type of timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature). */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;

/** Checks one signature line's signature bytes (key ID already stripped) against a note's text. */
export interface NoteVerifier {
  readonly name: string;
  /** The 32-bit key ID, big-endian, as in the signature's first four bytes. */
  readonly keyId: number;
  /** Whether `signature` verifies over `text` (the note text, final newline included); never throws. */
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** Produces signature bytes (without key ID) over a note's text. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

/** Whether `name` is a valid key name: non-empty, no Unicode space, no `+`, no control character. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !name.includes("\u007f") && !hasControlCharacter(name, false);
}

/** The C2SP key ID: the first four bytes (big-endian) of SHA-256(name || 0x0A || type || public key). */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = createHash("sha256")
    .update(Buffer.from(name, "utf8"))
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

function rawEd25519(publicKey: KeyObject | Uint8Array): Uint8Array {
  if (publicKey instanceof Uint8Array) {
    if (publicKey.length !== 32) throw new TypeError(`expected a 32-byte Ed25519 public key, got ${publicKey.length}`);
    return publicKey;
  }
  if (!isEd25519(publicKey)) throw new TypeError("expected an Ed25519 key");
  return ed25519RawPublic(publicKey);
}

/** The verifier key string `<name>+<hex key ID>+<base64(type || public key)>` of an Ed25519 key (type 0x01 default). */
export function noteVerifierKey(
  name: string,
  publicKey: KeyObject | Uint8Array,
  type: number = SIG_TYPE_ED25519,
): string {
  if (!isValidKeyName(name)) throw new TypeError(`expected a valid key name, got ${JSON.stringify(name)}`);
  const raw = rawEd25519(publicKey);
  const id = noteKeyId(name, type, raw).toString(16).padStart(8, "0");
  return `${name}+${id}+${Buffer.concat([Uint8Array.of(type), raw]).toString("base64")}`;
}

/** A verifier of plain Ed25519 (type 0x01) note signatures by `name`'s key. */
export function ed25519NoteVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  const raw = rawEd25519(publicKey);
  const key = ed25519PublicKey(raw);
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_ED25519, raw),
    verify: (text, signature) => ed25519Verify(key, text, signature),
  };
}

/** A signer of plain Ed25519 (type 0x01) note signatures: the log's checkpoint signer. */
export function ed25519NoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (!isValidKeyName(name)) throw new TypeError(`expected a valid key name, got ${JSON.stringify(name)}`);
  if (!isEd25519(privateKey) || privateKey.type !== "private") throw new TypeError("expected an Ed25519 private key");
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_ED25519, ed25519RawPublic(privateKey)),
    sign: (text) => ed25519Sign(privateKey, text),
  };
}

/**
 * A verifier of ECDSA note signatures (Rekor v1 checkpoints): the key ID is SHA-256 of the key's SPKI DER, first
 * four bytes, and the signature is ASN.1 DER ECDSA over SHA-256 of the text.
 */
export function ecdsaNoteVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  if (publicKey.asymmetricKeyType !== "ec") throw new TypeError("expected an ECDSA public key");
  const der = publicKey.export({ format: "der", type: "spki" });
  return {
    name,
    keyId: createHash("sha256").update(der).digest().readUInt32BE(0),
    verify: (text, signature) => {
      try {
        return cryptoVerify("sha256", text, publicKey, signature);
      } catch {
        return false;
      }
    },
  };
}
