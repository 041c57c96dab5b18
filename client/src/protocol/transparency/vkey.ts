import type { KeyObject } from "node:crypto";

import { decodeBase64Strict } from "./base64";
import { NOTE_KEY_INVALID, tlogError } from "./codes";
import { type CosignatureVerifier, cosignatureVerifier } from "./cosignature";
import { ed25519PrivateKey, ed25519RawPublic, ed25519Seed } from "./ed25519";
import {
  type NoteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  ed25519NoteVerifier,
  isValidKeyName,
  noteKeyId,
} from "./noteKeys";

/** A parsed verifier key: its name, signature type and raw public key. */
export interface VerifierKey {
  readonly name: string;
  readonly type: number;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

function invalid(message: string): never {
  throw tlogError(NOTE_KEY_INVALID, message);
}

function splitKey(s: string, parts: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < parts - 1; i++) {
    const plus = rest.indexOf("+");
    if (plus < 0) invalid(`expected ${parts} fields separated by '+'`);
    out.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  return [...out, rest];
}

function decodeKeyFields(name: string, hexId: string, b64: string, what: string): VerifierKey {
  if (!isValidKeyName(name)) invalid(`expected a valid key name in the ${what}`);
  if (!/^[0-9a-f]{8}$/.test(hexId)) invalid(`expected an 8-digit lowercase hex key ID in the ${what}`);
  const bytes = decodeBase64Strict(b64);
  if (bytes === undefined || bytes.length !== 33)
    invalid(`expected base64 of a type byte and 32 key bytes in the ${what}`);
  const type = bytes[0]!;
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE_V1) {
    invalid(`expected signature type 0x01 or 0x04, got 0x${type.toString(16).padStart(2, "0")}`);
  }
  return { name, type, keyId: Number.parseInt(hexId, 16), publicKey: bytes.subarray(1) };
}

/** Parses `<name>+<hex key ID>+<base64(type || Ed25519 public key)>` (types 0x01 and 0x04); checks the ID. */
export function parseVerifierKey(vkey: string): VerifierKey {
  const [name, hexId, b64] = splitKey(vkey.trim(), 3) as [string, string, string];
  const key = decodeKeyFields(name, hexId, b64, "verifier key");
  if (noteKeyId(name, key.type, key.publicKey) !== key.keyId) invalid("expected the key ID to match the name and key");
  return key;
}

/** A note verifier for a verifier key string: a log's key (0x01) or a witness's cosignature key (0x04). */
export function noteVerifierFromKey(vkey: string): NoteVerifier | CosignatureVerifier {
  const key = parseVerifierKey(vkey);
  return key.type === SIG_TYPE_COSIGNATURE_V1
    ? cosignatureVerifier(key.name, key.publicKey)
    : ed25519NoteVerifier(key.name, key.publicKey);
}

/** A witness (0x04) verifier from a verifier key string; NOTE_KEY_INVALID for a key of another type. */
export function witnessVerifierFromKey(vkey: string): CosignatureVerifier {
  const key = parseVerifierKey(vkey);
  if (key.type !== SIG_TYPE_COSIGNATURE_V1) invalid(`expected a cosignature (0x04) key for ${key.name}`);
  return cosignatureVerifier(key.name, key.publicKey);
}

/** A signer key string `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>` (the Go note format): a secret. */
export function formatSignerKey(name: string, privateKey: KeyObject, type: number): string {
  const id = noteKeyId(name, type, ed25519RawPublic(privateKey)).toString(16).padStart(8, "0");
  const b64 = Buffer.concat([Uint8Array.of(type), ed25519Seed(privateKey)]).toString("base64");
  return `PRIVATE+KEY+${name}+${id}+${b64}`;
}

/** Parses a signer key string; the message never echoes the key. */
export function parseSignerKey(s: string): { name: string; type: number; privateKey: KeyObject } {
  const [p, k, name, hexId, b64] = splitKey(s.trim(), 5) as [string, string, string, string, string];
  if (p !== "PRIVATE" || k !== "KEY") invalid("expected a signer key starting with PRIVATE+KEY+");
  const fields = decodeKeyFields(name, hexId, b64, "signer key");
  const privateKey = ed25519PrivateKey(fields.publicKey);
  if (noteKeyId(name, fields.type, ed25519RawPublic(privateKey)) !== fields.keyId) {
    invalid("expected the signer key's ID to match its name and key");
  }
  return { name, type: fields.type, privateKey };
}
