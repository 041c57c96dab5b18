import { decodeBase64Strict, encodeBase64 } from "./base64";
import { FAILURE_SIGNATURE_INVALID, NOTE_MALFORMED, tlogError } from "./codes";
import { type NoteSigner, type NoteVerifier, isValidKeyName } from "./noteKeys";
import { hasControlCharacter } from "./text";

/** Largest note accepted, in bytes (C2SP asks for a limit; 16 post-quantum signatures fit). */
export const MAX_NOTE_BYTES = 128 * 1024;
/** Most signature lines accepted (C2SP: at least 16; Go's note package stops at 100). */
export const MAX_NOTE_SIGNATURES = 100;

const SIG_PREFIX = "\u2014 ";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One signature line: key name, key ID and the signature bytes after the ID. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** A parsed (not verified) note. */
export interface ParsedNote {
  /** The signed text, final newline included. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A note whose text at least one trusted key signed. */
export interface VerifiedNote extends ParsedNote {
  /** Signatures of known keys, each verified, one per key (name, key ID). */
  readonly verified: readonly NoteSignature[];
  /** Signatures of keys the caller did not pass: kept for inspection, never counted. */
  readonly unverified: readonly NoteSignature[];
}

function malformed(message: string): never {
  throw tlogError(NOTE_MALFORMED, message);
}

function asText(note: string | Uint8Array): string {
  if (typeof note === "string") return note;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(note);
  } catch (cause) {
    throw tlogError(NOTE_MALFORMED, "expected the note to be valid UTF-8", cause);
  }
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) malformed("expected every signature line to start with an em dash and a space");
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0) malformed("expected a signature line `— <name> <base64>`");
  const name = rest.slice(0, space);
  const bytes = decodeBase64Strict(rest.slice(space + 1));
  if (!isValidKeyName(name)) malformed("expected a key name without spaces or `+`");
  if (bytes === undefined || bytes.length < 5) malformed("expected the signature to be base64 of at least 5 bytes");
  const view = Buffer.from(bytes);
  return { name, keyId: view.readUInt32BE(0), signature: bytes.subarray(4) };
}

/**
 * Parses a C2SP signed note: text, the last blank line, then one or more `— <name> <base64(keyID || sig)>` lines,
 * each ending in a newline. Strict: valid UTF-8, no control character but newline, nothing after the last line.
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const bytes = typeof note === "string" ? Buffer.byteLength(note, "utf8") : note.length;
  if (bytes > MAX_NOTE_BYTES) malformed(`expected a note of at most ${MAX_NOTE_BYTES} bytes, got ${bytes}`);
  const all = asText(note);
  if (LONE_SURROGATE.test(all)) malformed("expected the note to be valid Unicode (no lone surrogates)");
  if (hasControlCharacter(all, true)) malformed("expected no control characters other than newline");
  const split = all.lastIndexOf("\n\n");
  if (split < 0) malformed("expected a blank line between the text and the signatures");
  const text = all.slice(0, split + 1);
  const sigs = all.slice(split + 2);
  if (sigs.length === 0) malformed("expected at least one signature line");
  if (!sigs.endsWith("\n")) malformed("expected the last signature line to end with a newline");
  const lines = sigs.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) malformed(`expected at most ${MAX_NOTE_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** The signature line of `sig`, newline included. */
export function formatSignatureLine(sig: NoteSignature): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(sig.keyId >>> 0, 0);
  return `${SIG_PREFIX}${sig.name} ${encodeBase64(Buffer.concat([id, sig.signature]))}\n`;
}

/** A note's wire form: text, blank line, signature lines. */
export function formatNote(note: ParsedNote): string {
  if (!note.text.endsWith("\n")) throw tlogError(NOTE_MALFORMED, "expected the note text to end with a newline");
  if (note.signatures.length === 0) throw tlogError(NOTE_MALFORMED, "expected at least one signature");
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join("")}`;
}

/** Signs `text` (which must end with a newline) with each signer and returns the note; re-parses it as a check. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  const message = Buffer.from(text, "utf8");
  const signatures = signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(message) }));
  const note = formatNote({ text, signatures });
  parseNote(note);
  return note;
}

/**
 * Verifies a note against trusted verifiers (C2SP signed-note §Signatures): signatures of unknown keys (name and
 * ID not both matching) are ignored and never counted; every signature of a known key must verify, or the whole
 * note is refused (FAILURE_SIGNATURE_INVALID); a key signing twice counts once; at least one must verify.
 */
export function verifyNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): VerifiedNote {
  const parsed = parseNote(note);
  const message = Buffer.from(parsed.text, "utf8");
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of parsed.signatures) {
    const verifier = verifiers.find((v) => v.name === sig.name && v.keyId >>> 0 === sig.keyId);
    if (verifier === undefined) {
      unverified.push(sig);
      continue;
    }
    if (!verifier.verify(message, sig.signature)) {
      throw tlogError(FAILURE_SIGNATURE_INVALID, `expected ${sig.name}'s signature to verify, got a bad signature`);
    }
    const key = `${sig.name}+${sig.keyId}`;
    if (!seen.has(key)) verified.push(sig);
    seen.add(key);
  }
  if (verified.length === 0) {
    throw tlogError(FAILURE_SIGNATURE_INVALID, "expected a signature from a trusted key, found none");
  }
  return { ...parsed, verified, unverified };
}
