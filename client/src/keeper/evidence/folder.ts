import { lstat, readFile, readdir } from "node:fs/promises";
import path from "node:path";

import { stepEvidenceDir } from "../../runner/evidence";
import { KeeperErrorCode, keeperFail } from "../errors";
import {
  EVIDENCE_MAX_FILES,
  EVIDENCE_MAX_FILE_BYTES,
  EVIDENCE_NAME,
  type EvidenceSource,
  GENESIS_STATE_FILE,
  REQUIRED_EVIDENCE,
  type StepFiles,
} from "./source";

/**
 * Evidence from a local folder in the runner's layout (`<root>/<entitlementId>/<step>/…`, runner/evidence.ts):
 * every regular file of the step's folder with a flat evidence name, each at most EVIDENCE_MAX_FILE_BYTES.
 * Symbolic links and other entries are ignored, never followed. The genesis state is the buyer's
 * `<root>/<entitlementId>/0/state.jwe` (absent: undefined).
 */
export function folderEvidenceSource(root: string): EvidenceSource {
  return {
    kind: "folder",
    async stepFiles(step) {
      const dir = stepEvidenceDir(root, step.entitlementId, step.step);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (cause) {
        keeperFail(
          KeeperErrorCode.EVIDENCE_MISSING,
          `no evidence folder for step ${step.step} of ${step.entitlementId}`,
          cause,
        );
      }
      const files: Record<string, Uint8Array> = {};
      for (const name of names.filter((n) => EVIDENCE_NAME.test(n)).sort()) {
        const file = path.join(dir, name);
        const info = await lstat(file);
        if (!info.isFile()) continue;
        if (info.size > EVIDENCE_MAX_FILE_BYTES) {
          keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected ${name} of at most ${EVIDENCE_MAX_FILE_BYTES} bytes`);
        }
        if (Object.keys(files).length >= EVIDENCE_MAX_FILES) {
          keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected at most ${EVIDENCE_MAX_FILES} evidence files`);
        }
        files[name] = new Uint8Array(await readFile(file));
      }
      return requireEvidence(files, step.step);
    },
    async genesisState(step) {
      const file = path.join(stepEvidenceDir(root, step.entitlementId, 0), GENESIS_STATE_FILE);
      let info;
      try {
        info = await lstat(file);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        return keeperFail(
          KeeperErrorCode.EVIDENCE_UNAVAILABLE,
          `cannot read the genesis state of ${step.entitlementId}`,
          cause,
        );
      }
      if (!info.isFile()) return undefined; // links and other entries are never followed
      if (info.size > EVIDENCE_MAX_FILE_BYTES) {
        keeperFail(
          KeeperErrorCode.EVIDENCE_INVALID,
          `expected a genesis state of at most ${EVIDENCE_MAX_FILE_BYTES} bytes`,
        );
      }
      return new Uint8Array(await readFile(file));
    },
  };
}

/** The files, once the required ones are there (else KEEPER_EVIDENCE_MISSING). */
export function requireEvidence(files: Record<string, Uint8Array>, step: number): StepFiles {
  const missing = REQUIRED_EVIDENCE.filter((n) => files[n] === undefined);
  if (missing.length > 0) {
    keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `step ${step}'s evidence lacks ${missing.join(", ")}`);
  }
  return files;
}
