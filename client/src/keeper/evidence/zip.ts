/**
 * A small, strict zip reader for GitHub artifact archives. Why our own: no zip library is among the project's
 * dependencies (a zip reader found under node_modules is only a transitive dependency of the build tool), and an
 * artifact needs only the basics: stored (0) or deflated (8) entries, no encryption, no zip64, one disk.
 * node:zlib inflates and computes CRC-32. Everything is bounded: entry count, each entry's and the total
 * uncompressed size; names must be flat (no folders, no "..", no absolute paths); each entry's CRC is checked.
 * Swap for a maintained library (yauzl, fflate) once one is a dependency.
 */
import { crc32, inflateRawSync } from "node:zlib";

import { KeeperErrorCode, keeperFail } from "../errors";

/** Limits a zip is read under. */
export interface ZipLimits {
  readonly maxEntries: number;
  readonly maxEntryBytes: number;
  readonly maxTotalBytes: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x1;

function bad(message: string): never {
  keeperFail(KeeperErrorCode.ZIP_INVALID, message);
}

/** Finds the end-of-central-directory record (searching back over a comment of at most 64 KiB). */
function findEocd(buf: Buffer): number {
  const lowest = Math.max(0, buf.length - EOCD_MIN - MAX_COMMENT);
  for (let i = buf.length - EOCD_MIN; i >= lowest; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  return bad("expected a zip archive (no end of central directory)");
}

/** Reads the archive's files (name → bytes). Folder entries are skipped; any other nested name is refused. */
export function readZip(bytes: Uint8Array, limits: ZipLimits): Map<string, Uint8Array> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < EOCD_MIN) bad("expected a zip archive (too short)");
  const eocd = findEocd(buf);
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0) bad("expected a single-disk zip");
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) bad("zip64 archives are not supported");
  if (count > limits.maxEntries) bad(`expected at most ${limits.maxEntries} zip entries, got ${count}`);
  if (cdOffset + cdSize > eocd) bad("the central directory overlaps its end record");

  const files = new Map<string, Uint8Array>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== CENTRAL_SIGNATURE) bad(`bad central directory entry ${n}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith("/")) continue;
    if (name.includes("/") || name.includes("\\") || name === "." || name === ".." || name.length === 0) {
      bad(`expected flat file names in the artifact, got ${JSON.stringify(name.slice(0, 80))}`);
    }
    if (files.has(name)) bad(`duplicate zip entry ${JSON.stringify(name)}`);
    if ((flags & FLAG_ENCRYPTED) !== 0) bad(`encrypted zip entry ${name}`);
    if (method !== STORED && method !== DEFLATED) bad(`unsupported compression method ${method} for ${name}`);
    if (size > limits.maxEntryBytes) bad(`expected ${name} of at most ${limits.maxEntryBytes} bytes`);
    total += size;
    if (total > limits.maxTotalBytes) bad(`expected at most ${limits.maxTotalBytes} bytes uncompressed in all`);

    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_SIGNATURE) bad(`bad local header for ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > cdOffset) bad(`${name}'s data runs past the file data`);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    try {
      data = method === STORED ? Buffer.from(raw) : inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    } catch {
      return bad(`cannot inflate ${name}`);
    }
    if (data.length !== size) bad(`${name}: expected ${size} bytes, got ${data.length}`);
    if (crc32(data) !== crc) bad(`${name}: CRC-32 mismatch`);
    files.set(name, new Uint8Array(data));
  }
  return files;
}
