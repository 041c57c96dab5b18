import { lstat, readFile, readdir } from "node:fs/promises";
import path from "node:path";

import { ProtocolError } from "../protocol/errors";
import { ATTESTATION_REQUEST_MAX_FILES, EVIDENCE_FILE_NAME } from "./service/api";
import type { RunEvidence } from "./verifyRun";

/** Largest evidence file read, in bytes. */
export const EVIDENCE_FILE_MAX_BYTES = 8 * 1024 * 1024;
/** Code of evidence that cannot be read (an I/O or usage problem, not a verification outcome). */
export const EVIDENCE_UNREADABLE = "VERIFY_EVIDENCE_UNREADABLE";

/** Reads a step folder's regular files with flat evidence names (others ignored), each size-bounded. */
export async function readStepFolder(dir: string): Promise<Record<string, Uint8Array>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new ProtocolError(EVIDENCE_UNREADABLE, `cannot list ${path.basename(dir)}`, { cause });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of names.filter((n) => EVIDENCE_FILE_NAME.test(n)).sort()) {
    const file = path.join(dir, name);
    const info = await lstat(file);
    if (!info.isFile()) continue;
    if (info.size > EVIDENCE_FILE_MAX_BYTES) {
      throw new ProtocolError(EVIDENCE_UNREADABLE, `${name} is larger than ${EVIDENCE_FILE_MAX_BYTES} bytes`);
    }
    if (Object.keys(files).length >= ATTESTATION_REQUEST_MAX_FILES) break;
    files[name] = new Uint8Array(await readFile(file));
  }
  return files;
}

/** Reads an entitlement's evidence: `<root>/<entitlementId>/<step>/…` for every numbered folder, and `0/state.jwe`. */
export async function readRunEvidence(root: string, entitlementId: bigint): Promise<RunEvidence> {
  const base = path.join(root, entitlementId.toString());
  let entries: string[];
  try {
    entries = await readdir(base);
  } catch (cause) {
    throw new ProtocolError(EVIDENCE_UNREADABLE, `no evidence folder for entitlement ${entitlementId}`, { cause });
  }
  const steps = new Map<number, Record<string, Uint8Array>>();
  let genesisState: Uint8Array | undefined;
  for (const entry of entries) {
    if (!/^(0|[1-9][0-9]{0,9})$/.test(entry)) continue;
    const dir = path.join(base, entry);
    if (!(await lstat(dir)).isDirectory()) continue;
    const step = Number(entry);
    const files = await readStepFolder(dir);
    if (step === 0) genesisState = files["state.jwe"];
    else steps.set(step, files);
  }
  return { steps, ...(genesisState === undefined ? {} : { genesisState }) };
}
