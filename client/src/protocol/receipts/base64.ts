/**
 * The bytes of standard padded base64 `text`, or undefined if it is anything else (URL-safe alphabet, missing
 * padding, whitespace, non-zero pad bits): one receipt has exactly one encoding, because its line is hashed.
 * Node's decoder skips what it does not understand, so the text is strict exactly when re-encoding the bytes gives
 * it back; that one comparison replaces a regular expression over the whole payload.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}
