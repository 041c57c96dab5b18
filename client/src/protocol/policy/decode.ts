import { ProtocolError } from "../errors";
import { canonicalJson } from "../jcs";
import { PolicyErrorCode } from "./codes";
import { POLICY_MAX_BYTES } from "./constants";
import { describe } from "./schemaError";

/*
 * The byte-level steps of reading a capsule, cheapest first: size, encoding, JSON, canonical form, version.
 * Each is a pure function that throws a ProtocolError with its own code.
 */

/** Longest base64url text whose decoding can fit in POLICY_MAX_BYTES. */
const MAX_BASE64URL_CHARS = Math.ceil((POLICY_MAX_BYTES * 4) / 3);

/** Refuses anything but a Uint8Array of at most POLICY_MAX_BYTES bytes. */
export function verifyPolicySize(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtocolError(PolicyErrorCode.EncodingInvalid, `expected capsule bytes, got ${typeof bytes}`);
  }
  if (bytes.byteLength > POLICY_MAX_BYTES) {
    throw new ProtocolError(
      PolicyErrorCode.TooLarge,
      `expected at most ${POLICY_MAX_BYTES} bytes, got ${bytes.byteLength}`,
    );
  }
}

/**
 * Strict UTF-8 decoding: malformed sequences throw instead of becoming U+FFFD, and a byte order mark is kept
 * (so it is refused later) instead of being silently dropped.
 */
export function decodePolicyText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new ProtocolError(PolicyErrorCode.EncodingInvalid, "expected UTF-8 bytes, got a malformed sequence", {
      cause,
    });
  }
}

/** JSON.parse, with a typed error. */
export function parsePolicyJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ProtocolError(PolicyErrorCode.JsonInvalid, "expected a JSON document, got text that does not parse", {
      cause,
    });
  }
}

/**
 * Refuses text that is not exactly the JCS form of what it parses to: reordered keys, whitespace, a trailing
 * newline, needless escapes, non-shortest numbers and repeated keys all fail here. The hash is taken over the
 * bytes as given, so accepting a second spelling would give one policy two hashes.
 */
export function verifyCanonical(value: unknown, text: string): void {
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(value);
  } catch {
    canonical = undefined;
  }
  if (canonical !== text) {
    const at = canonical === undefined ? 0 : firstDifference(canonical, text);
    throw new ProtocolError(
      PolicyErrorCode.NotCanonical,
      `expected RFC 8785 (JCS) canonical JSON, got a different spelling at character ${at}`,
    );
  }
}

/** Index of the first character where `a` and `b` differ. */
function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Checks `version` before the schema, so that a capsule of a later version is reported as unsupported rather
 * than as a list of fields this version does not know.
 */
export function verifyPolicyVersion(value: unknown, expected: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new ProtocolError(PolicyErrorCode.SchemaInvalid, `expected a JSON object at the capsule, got ${got}`);
  }
  if (!Object.hasOwn(value, "version")) {
    throw new ProtocolError(PolicyErrorCode.SchemaInvalid, "expected field version, got nothing (missing field)");
  }
  const version = (value as { version: unknown }).version;
  if (version !== expected) {
    throw new ProtocolError(
      PolicyErrorCode.VersionUnsupported,
      `expected version ${describe(expected)}, got ${describe(version)}`,
    );
  }
}

/** Decodes unpadded base64url text (RFC 4648 §5) into bytes, refusing any other alphabet or spelling. */
export function decodeBase64url(text: unknown): Uint8Array {
  if (typeof text !== "string") {
    throw new ProtocolError(PolicyErrorCode.EncodingInvalid, `expected base64url text, got ${typeof text}`);
  }
  if (text.length > MAX_BASE64URL_CHARS) {
    throw new ProtocolError(
      PolicyErrorCode.TooLarge,
      `expected at most ${MAX_BASE64URL_CHARS} base64url characters, got ${text.length}`,
    );
  }
  // Buffer's decoder skips characters outside the alphabet and ignores non-zero trailing bits, so the text is
  // checked against the alphabet and then required to be the one encoding of the bytes it decodes to.
  const bytes = Buffer.from(text, "base64url");
  if (!/^[A-Za-z0-9_-]*$/.test(text) || bytes.toString("base64url") !== text) {
    throw new ProtocolError(
      PolicyErrorCode.EncodingInvalid,
      "expected unpadded base64url (A-Z a-z 0-9 - _), got other characters or a non-canonical encoding",
    );
  }
  return new Uint8Array(bytes);
}
