import type { LedgerFile } from "./ledgerFs";
import { MAX_LINE_BYTES } from "./receipt";

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1024 * 1024;

/** A newline-terminated line of the ledger file. */
export interface ScannedLine {
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** The line without its newline; undefined when longer than MAX_LINE_BYTES (never written by the ledger). */
  readonly bytes: Buffer | undefined;
}

/**
 * Reads `file` in chunks, calling `onLine` for each newline-terminated line in order, holding at most one chunk
 * and one line in memory. Returns the offset just past the last newline: bytes after it form an unterminated tail.
 */
export async function scanLines(file: LedgerFile, size: number, onLine: (line: ScannedLine) => void): Promise<number> {
  let lineStart = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  for (let position = 0; position < size;) {
    const chunk = await file.read(position, Math.min(CHUNK_BYTES, size - position));
    if (chunk.length === 0) break; // the file shrank under us; what was read is all there is
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
      const length = partBytes + (nl - from);
      const bytes = length > MAX_LINE_BYTES ? undefined : Buffer.concat([...parts, chunk.subarray(from, nl)]);
      onLine({ offset: lineStart, bytes });
      lineStart += length + 1;
      parts = [];
      partBytes = 0;
      from = nl + 1;
    }
    // Keep the unterminated remainder only while it could still become a line of legal length.
    partBytes += chunk.length - from;
    parts = partBytes > MAX_LINE_BYTES ? [] : [...parts, Buffer.from(chunk.subarray(from))];
    position += chunk.length;
  }
  return lineStart;
}
