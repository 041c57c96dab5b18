import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, open, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

import { CERTIFICATE_MAX_BYTES } from "../protocol/certificate";
import { ProtocolError } from "../protocol/errors";
import { RunnerErrorCode, runnerFail } from "./errors";

/*
 * Evidence layout, one folder per step: <root>/<entitlementId>/<step>/{certificate.json,
 * certificate.sigstore.json, result.jwe, next_tokens.jwe, state.jwe}. The buyer's genesis state is
 * <root>/<entitlementId>/0/state.jwe, alone. A step's folder appears whole (written aside, then renamed) or not
 * at all, and is never overwritten.
 */

/** File names inside a step's evidence folder. */
export const EvidenceFile = {
  certificate: "certificate.json",
  attestation: "certificate.sigstore.json",
  result: "result.jwe",
  nextTokens: "next_tokens.jwe",
  state: "state.jwe",
} as const;

/** Largest Sigstore bundle read back, in bytes. */
export const ATTESTATION_MAX_BYTES = 4 * 1024 * 1024;

/** A step's evidence as the runner writes it. */
export interface StepEvidenceFiles {
  readonly certificate: Uint8Array;
  /** The Sigstore bundle (JSON) returned by the attester; absent when attestation is deferred. */
  readonly attestation?: unknown;
  readonly state: string;
  readonly result: string;
  readonly nextTokens: string;
}

/** What a step reads of its fromStep: the certificate bytes, its attestation bundle, the state ciphertext bytes. */
export interface InputEvidence {
  readonly certificate: Uint8Array;
  readonly attestation: unknown;
  readonly state: Uint8Array;
}

/** Where a runner reads its input from (a folder, an artifact store, …). */
export interface StepInputSource {
  /** The buyer-seeded genesis state's ciphertext bytes (at most `maxStateChars`). */
  genesisState(entitlementId: bigint, maxStateChars: number): Promise<Uint8Array>;
  /** The outputs of step `step` (≥ 1) needed to continue from it. */
  stepOutput(entitlementId: bigint, step: number, maxStateChars: number): Promise<InputEvidence>;
}

/** The folder of one step's evidence. */
export function stepEvidenceDir(root: string, entitlementId: bigint, step: number): string {
  return path.join(root, entitlementId.toString(), step.toString());
}

/** Whether a step's evidence folder (or anything at its path) already exists. */
export async function evidenceExists(root: string, entitlementId: bigint, step: number): Promise<boolean> {
  return lstat(stepEvidenceDir(root, entitlementId, step)).then(
    () => true,
    () => false,
  );
}

/** Reads a regular file of at most `max` bytes; a missing file is INPUT_MISSING, a larger one `tooLarge`. */
async function readBounded(file: string, max: number, tooLarge: string): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await lstat(file);
    if (!info.isFile()) runnerFail(RunnerErrorCode.INPUT_MISSING, `expected a regular file ${path.basename(file)}`);
    size = info.size;
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    runnerFail(RunnerErrorCode.INPUT_MISSING, `cannot read input ${path.basename(file)}`, cause);
  }
  if (size > max) throw new ProtocolError(tooLarge, `expected ${path.basename(file)} of at most ${max} bytes`);
  const bytes = await readFile(file);
  if (bytes.byteLength > max) throw new ProtocolError(tooLarge, `expected ${path.basename(file)} of at most ${max}`);
  return new Uint8Array(bytes);
}

/** A StepInputSource reading the evidence layout under `root`. */
export function evidenceFolder(root: string): StepInputSource {
  return {
    genesisState(entitlementId, maxStateChars) {
      const file = path.join(stepEvidenceDir(root, entitlementId, 0), EvidenceFile.state);
      return readBounded(file, maxStateChars, RunnerErrorCode.STATE_TOO_LARGE);
    },
    async stepOutput(entitlementId, step, maxStateChars) {
      const dir = stepEvidenceDir(root, entitlementId, step);
      const certificate = await readBounded(
        path.join(dir, EvidenceFile.certificate),
        CERTIFICATE_MAX_BYTES,
        RunnerErrorCode.INPUT_CERTIFICATE_INVALID,
      );
      const bundleBytes = await readBounded(
        path.join(dir, EvidenceFile.attestation),
        ATTESTATION_MAX_BYTES,
        RunnerErrorCode.INPUT_ATTESTATION_INVALID,
      );
      let attestation: unknown;
      try {
        attestation = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bundleBytes));
      } catch (cause) {
        runnerFail(RunnerErrorCode.INPUT_ATTESTATION_INVALID, "expected the attestation bundle as JSON", cause);
      }
      const state = await readBounded(
        path.join(dir, EvidenceFile.state),
        maxStateChars,
        RunnerErrorCode.STATE_TOO_LARGE,
      );
      return { certificate, attestation, state };
    },
  };
}

/** Writes `files` (name → content) into a fresh folder beside `dir`, then renames it to `dir`; never overwrites. */
async function writeFolderOnce(
  dir: string,
  files: ReadonlyArray<readonly [string, string | Uint8Array]>,
): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  const exists = await lstat(dir).then(
    () => true,
    () => false,
  );
  // Checked again by the rename, which refuses a non-empty target: two writers cannot both succeed.
  if (exists) runnerFail(RunnerErrorCode.EVIDENCE_EXISTS, `evidence already exists for ${path.basename(dir)}`);
  const tmp = `${dir}.tmp-${randomBytes(8).toString("hex")}`;
  await mkdir(tmp, { mode: 0o700 });
  try {
    for (const [name, content] of files) await writeFile(path.join(tmp, name), content, { flag: "wx", mode: 0o644 });
    await rename(tmp, dir);
  } catch (cause) {
    await rm(tmp, { recursive: true, force: true });
    const code = (cause as { code?: unknown }).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") {
      runnerFail(RunnerErrorCode.EVIDENCE_EXISTS, `evidence already exists for ${path.basename(dir)}`, cause);
    }
    throw cause;
  }
}

/** Writes a step's evidence folder at once; returns its path. */
export async function writeStepEvidence(
  root: string,
  entitlementId: bigint,
  step: number,
  files: StepEvidenceFiles,
): Promise<string> {
  const dir = stepEvidenceDir(root, entitlementId, step);
  await writeFolderOnce(dir, [
    [EvidenceFile.certificate, files.certificate],
    ...(files.attestation === undefined
      ? []
      : [[EvidenceFile.attestation, JSON.stringify(files.attestation)] as const]),
    [EvidenceFile.result, files.result],
    [EvidenceFile.nextTokens, files.nextTokens],
    [EvidenceFile.state, files.state],
  ]);
  return dir;
}

/**
 * Adds a deferred attestation (the Sigstore bundle, JSON) to a step's evidence folder; refuses when the folder
 * is missing or holds no certificate.json (`INPUT_MISSING`; e.g. the genesis folder), or already holds an
 * attestation (`EVIDENCE_EXISTS`): an attestation is never replaced.
 */
export async function writeStepAttestation(
  root: string,
  entitlementId: bigint,
  step: number,
  bundle: unknown,
): Promise<string> {
  const dir = stepEvidenceDir(root, entitlementId, step);
  const certificate = await lstat(path.join(dir, EvidenceFile.certificate)).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!certificate) runnerFail(RunnerErrorCode.INPUT_MISSING, `no certificate of step ${step} to attest`);
  const file = path.join(dir, EvidenceFile.attestation);
  // Written whole and fsynced beside the step folder, then linked into it: a crash leaves either no attestation
  // or the complete one (never a truncated bundle that blocks both continuing and re-attesting), and link()
  // refuses an existing target, so two writers cannot both succeed.
  const tmp = path.join(path.dirname(dir), `.${step}.attestation.tmp-${randomBytes(8).toString("hex")}`);
  const handle = await open(tmp, "wx", 0o644);
  try {
    await handle.writeFile(JSON.stringify(bundle));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === "EEXIST") runnerFail(RunnerErrorCode.EVIDENCE_EXISTS, `step ${step} is already attested`, cause);
    runnerFail(RunnerErrorCode.INPUT_MISSING, `no evidence folder for step ${step}`, cause);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return file;
}

/** Writes the buyer's genesis state ciphertext as <root>/<entitlementId>/0/state.jwe; returns the file's path. */
export async function writeGenesisState(root: string, entitlementId: bigint, stateJwe: string): Promise<string> {
  const dir = stepEvidenceDir(root, entitlementId, 0);
  await writeFolderOnce(dir, [[EvidenceFile.state, stateJwe]]);
  return path.join(dir, EvidenceFile.state);
}
