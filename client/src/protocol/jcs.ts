import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** RFC 8785 (JCS) canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("expected a JSON value, got undefined");
  return text;
}

/** SHA-256 of `data` as 0x-prefixed lowercase hex. */
export function sha256Hex(data: string | Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(data).digest("hex")}`;
}
