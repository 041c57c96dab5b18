import { sha256Hex } from "../protocol/jcs";
import type { Hex } from "../protocol/receipts";
import { type BundleFiles, digestOf } from "./bundleDir";
import { fail } from "./codes";
import { BUNDLE_FILES, MANIFEST_VERSION } from "./layout";

/** One MANIFEST.json entry. */
export interface ManifestEntry {
  readonly path: string;
  readonly sha256: Hex;
  /** Byte length, decimal string. */
  readonly size: string;
}

/** MANIFEST.json: every other file of the bundle with its sha256 and size, sorted by path. */
export interface Manifest {
  readonly version: string;
  readonly files: readonly ManifestEntry[];
}

const SEGMENT = /^[A-Za-z0-9._-]{1,255}$/;
const HEX32 = /^0x[0-9a-f]{64}$/;
const DEC = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Throws FAILURE_BUNDLE_MALFORMED unless `path` stays inside the bundle: relative, `/`-separated, no empty, `.` or
 * `..` segment, no backslash, drive letter or control character.
 */
export function verifyBundlePath(path: string): string {
  const segments = path.split("/");
  const ok = segments.every((s) => SEGMENT.test(s) && s !== "." && s !== "..");
  if (!ok || path.length > 1024)
    fail(
      "FAILURE_BUNDLE_MALFORMED",
      `refusing the path ${JSON.stringify(path.slice(0, 120))}: it could leave the bundle`,
    );
  return path;
}

/** The manifest of `files` (MANIFEST.json itself excluded). */
export function buildManifest(files: ReadonlyMap<string, Buffer>): Manifest {
  const paths = [...files.keys()].filter((p) => p !== BUNDLE_FILES.manifest).sort();
  return {
    version: MANIFEST_VERSION,
    files: paths.map((path) => ({
      path: verifyBundlePath(path),
      sha256: sha256Hex(files.get(path)!),
      size: String(files.get(path)!.length),
    })),
  };
}

function parseManifest(bytes: Buffer): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected MANIFEST.json to be JSON", cause);
  }
  const m = value as { version?: unknown; files?: unknown } | null;
  if (m === null || typeof m !== "object" || m.version === undefined || m.files === undefined) {
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected MANIFEST.json {version, files}");
  }
  if (m.version !== MANIFEST_VERSION) fail("FAILURE_SCHEMA_VERSION_UNSUPPORTED", `expected ${MANIFEST_VERSION}`);
  if (!Array.isArray(m.files)) fail("FAILURE_BUNDLE_MALFORMED", "expected MANIFEST.json files as an array");
  for (const e of m.files as unknown[]) {
    const entry = e as Partial<ManifestEntry> | null;
    if (typeof entry?.path !== "string" || typeof entry.sha256 !== "string" || typeof entry.size !== "string") {
      fail("FAILURE_BUNDLE_MALFORMED", "expected manifest entries {path, sha256, size}");
    }
    verifyBundlePath(entry.path);
    if (!HEX32.test(entry.sha256) || !DEC.test(entry.size))
      fail("FAILURE_BUNDLE_MALFORMED", `bad digest or size for ${entry.path}`);
  }
  return m as Manifest;
}

/**
 * Checks MANIFEST.json against the files read: present and well-formed, paths safe and unique, every listed file
 * present (FAILURE_REQUIRED_FIELD_MISSING) with its sha256 and size (FAILURE_HASH_MISMATCH), and no file that the
 * manifest does not list (FAILURE_BUNDLE_MALFORMED).
 */
export function verifyManifest(bundle: BundleFiles): Manifest {
  const bytes = bundle.files.get(BUNDLE_FILES.manifest);
  if (bytes === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected MANIFEST.json");
  const manifest = parseManifest(bytes);
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    if (listed.has(entry.path) || entry.path === BUNDLE_FILES.manifest)
      fail("FAILURE_BUNDLE_MALFORMED", `${entry.path} listed twice`);
    listed.add(entry.path);
    const data = bundle.files.get(entry.path);
    if (data === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", `expected ${entry.path}, which the manifest lists`);
    if (String(data.length) !== entry.size || digestOf(data) !== entry.sha256) {
      fail("FAILURE_HASH_MISMATCH", `${entry.path}: expected sha256 ${entry.sha256}, got ${digestOf(data)}`);
    }
  }
  for (const path of bundle.files.keys()) {
    if (path !== BUNDLE_FILES.manifest && !listed.has(path))
      fail("FAILURE_BUNDLE_MALFORMED", `${path} is not in the manifest`);
  }
  return manifest;
}
