import { randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Address } from "viem";
import { z } from "zod";

import { marketDomain, stepAttestationTypes, type StepAttestation } from "../protocol/eip712";
import { ProtocolError } from "../protocol/errors";
import type { TypedDataSigner } from "../signer";
import { type StepAttestationJson, stepAttestationJsonSchema, stepAttestationToJson } from "./service/api";

/*
 * The verifier's attestation records: one file per (chain, market, entitlement, step) that this verifier ever
 * signed, written before the signature leaves the process. A file is written aside, fsynced, then hard-linked to
 * its name (link refuses an existing name, so two writers, even in two processes, cannot both win) and the folder
 * fsynced. A second, different certificate for a recorded step is refused; the same one returns the same record.
 */

/** Codes of the attestation store. */
export const AttestationStoreCode = {
  /** This verifier already signed a different certificate (or attestation) for the step. */
  CONFLICT: "ATTESTATION_CONFLICT",
  /** The record on disk does not parse: the store refuses to sign rather than guess. */
  RECORD_CORRUPT: "ATTESTATION_RECORD_CORRUPT",
  /** The store could not be written. */
  WRITE_FAILED: "ATTESTATION_WRITE_FAILED",
} as const;

const recordSchema = z.strictObject({
  version: z.literal("swarm/attestation-record/v1"),
  chainId: z.string().regex(/^[1-9][0-9]{0,77}$/),
  market: z.string().regex(/^0x[0-9a-f]{40}$/),
  verifier: z.string().regex(/^0x[0-9a-f]{40}$/),
  attestation: stepAttestationJsonSchema,
  signature: z.string().regex(/^0x[0-9a-f]{130}$/),
});

/** One signed attestation as recorded. */
export type AttestationRecord = z.infer<typeof recordSchema>;

/** A signed attestation: the record, and whether it had been signed before (an idempotent re-ask). */
export interface SignedAttestation {
  readonly record: AttestationRecord;
  readonly repeated: boolean;
}

/** The record file of a step: `<dir>/<chainId>/<market>/<entitlementId>/<step>.json`. */
export function recordPath(dir: string, chainId: bigint, market: Address, a: StepAttestation): string {
  return path.join(
    dir,
    chainId.toString(),
    market.toLowerCase(),
    a.entitlementId.toString(),
    `${a.step.toString()}.json`,
  );
}

/** Reads a step's record, or undefined when there is none. */
export async function readAttestationRecord(file: string): Promise<AttestationRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    if ((cause as { code?: unknown }).code === "ENOENT") return undefined;
    throw new ProtocolError(AttestationStoreCode.RECORD_CORRUPT, "cannot read the attestation record", { cause });
  }
  const parsed = (() => {
    try {
      return recordSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success) throw new ProtocolError(AttestationStoreCode.RECORD_CORRUPT, `corrupt record ${file}`);
  return parsed.data;
}

function sameAttestation(a: StepAttestationJson, b: StepAttestationJson): boolean {
  return (Object.keys(a) as (keyof StepAttestationJson)[]).every((k) => a[k] === b[k]);
}

/** Writes `bytes` to `file` only if it does not exist: aside, fsync, link, fsync the folder. False if it existed. */
async function writeOnce(file: string, bytes: string): Promise<boolean> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString("hex")}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === "EEXIST") return false;
    throw cause;
  } finally {
    await rm(tmp, { force: true });
  }
  const folder = await open(dir, "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
  return true;
}

/**
 * Signs a StepAttestation (EIP-712, the market's domain) at most once per step: an existing record of the same
 * attestation is returned as it is (repeated); a record of another one is ATTESTATION_CONFLICT. The new record
 * is durable on disk before this resolves; the caller must only hand out the signature after that.
 */
export async function signAttestationOnce(
  dir: string,
  signer: TypedDataSigner,
  chainId: bigint,
  market: Address,
  attestation: StepAttestation,
): Promise<SignedAttestation> {
  const file = recordPath(dir, chainId, market, attestation);
  const json = stepAttestationToJson(attestation);
  const verifier = signer.address.toLowerCase();
  const check = (existing: AttestationRecord): SignedAttestation => {
    if (existing.verifier !== verifier || !sameAttestation(existing.attestation, json)) {
      throw new ProtocolError(
        AttestationStoreCode.CONFLICT,
        `already attested certificate ${existing.attestation.certificateHash} for step ${json.step}`,
      );
    }
    return { record: existing, repeated: true };
  };
  const existing = await readAttestationRecord(file);
  if (existing !== undefined) return check(existing);

  const signature = (
    await signer.signTypedData({
      domain: marketDomain(chainId, market),
      types: stepAttestationTypes,
      primaryType: "StepAttestation",
      message: { ...attestation },
    })
  ).toLowerCase();
  const record: AttestationRecord = {
    version: "swarm/attestation-record/v1",
    chainId: chainId.toString(),
    market: market.toLowerCase(),
    verifier,
    attestation: json,
    signature,
  };
  let written: boolean;
  try {
    written = await writeOnce(file, `${JSON.stringify(record)}\n`);
  } catch (cause) {
    throw new ProtocolError(AttestationStoreCode.WRITE_FAILED, "cannot write the attestation record", { cause });
  }
  if (written) return { record, repeated: false };
  // Another writer recorded this step first: its record decides.
  return check((await readAttestationRecord(file))!);
}
