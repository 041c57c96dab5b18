import type { KeyObject } from "node:crypto";

import {
  SIG_TYPE_COSIGNATURE_V1,
  formatSignerKey,
  generateEd25519,
  isValidKeyName,
  noteVerifierKey,
  parseSignerKey,
} from "../protocol/transparency";
import { WITNESS_KEY_INVALID, witnessError } from "./codes";

/** A witness identity: its name, its private key, and the verifier key string (0x04) log clients pin. */
export interface WitnessKey {
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly verifierKey: string;
}

/** A new witness key named `name` (a schema-less URL, e.g. `witness.example.org/w1`). */
export function generateWitnessKey(name: string): WitnessKey & { signerKey: string } {
  if (!isValidKeyName(name)) throw witnessError(WITNESS_KEY_INVALID, "expected a key name without spaces or '+'");
  const { privateKey } = generateEd25519();
  return {
    name,
    privateKey,
    verifierKey: noteVerifierKey(name, privateKey, SIG_TYPE_COSIGNATURE_V1),
    signerKey: formatSignerKey(name, privateKey, SIG_TYPE_COSIGNATURE_V1),
  };
}

/** The witness key in `text` (`PRIVATE+KEY+<name>+<id>+<base64(0x04 || seed)>`); errors never echo the key. */
export function parseWitnessKey(text: string): WitnessKey {
  let parsed: ReturnType<typeof parseSignerKey>;
  try {
    parsed = parseSignerKey(text);
  } catch (cause) {
    throw witnessError(WITNESS_KEY_INVALID, "expected a witness signer key PRIVATE+KEY+<name>+<id>+<key>", cause);
  }
  if (parsed.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw witnessError(WITNESS_KEY_INVALID, "expected a cosignature (type 0x04) key, got another type");
  }
  const verifierKey = noteVerifierKey(parsed.name, parsed.privateKey, SIG_TYPE_COSIGNATURE_V1);
  return { name: parsed.name, privateKey: parsed.privateKey, verifierKey };
}
