import { lstat, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../protocol/jcs";
import type { Hex } from "../protocol/receipts";
import { fail } from "./codes";

/** The most files and bytes a bundle may hold: a bound on what a verifier reads into memory. */
export const MAX_BUNDLE_FILES = 10_000;
export const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;

/** A bundle read from disk: each regular file's bytes by its `/`-separated path relative to the bundle root. */
export interface BundleFiles {
  readonly files: ReadonlyMap<string, Buffer>;
}

const digests = new WeakMap<Buffer, Hex>();

/** sha256 of a file's bytes, computed once per buffer (the receipts file is hashed by several checks). */
export function digestOf(data: Buffer): Hex {
  let d = digests.get(data);
  if (d === undefined) {
    d = sha256Hex(data);
    digests.set(data, d);
  }
  return d;
}

/**
 * Reads every file under `dir` once, so later checks work on the same bytes (no re-reads that could race a
 * change). Refuses links and anything that is not a plain file or directory (FAILURE_BUNDLE_MALFORMED): a link
 * could point out of the bundle. Throws FAILURE_REQUIRED_FIELD_MISSING when `dir` is not a directory.
 */
export async function readBundleDir(dir: string): Promise<BundleFiles> {
  const top = await lstat(dir).catch(() => undefined);
  if (top === undefined || !top.isDirectory()) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected a bundle directory");
  const files = new Map<string, Buffer>();
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isSymbolicLink())
        fail("FAILURE_BUNDLE_MALFORMED", `refusing the link ${path}: it could leave the bundle`);
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      if (!entry.isFile()) fail("FAILURE_BUNDLE_MALFORMED", `refusing ${path}: not a regular file`);
      if (files.size >= MAX_BUNDLE_FILES)
        fail("FAILURE_BUNDLE_MALFORMED", `expected at most ${MAX_BUNDLE_FILES} files`);
      const data = await readFile(join(dir, path));
      bytes += data.length;
      if (bytes > MAX_BUNDLE_BYTES) fail("FAILURE_BUNDLE_MALFORMED", `expected at most ${MAX_BUNDLE_BYTES} bytes`);
      files.set(path, data);
    }
  };
  await walk("");
  return { files };
}
