import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Hex, zeroHash } from "viem";
import type { LocalAccount } from "viem/accounts";

import type { MarketReader } from "../../client/src/chain/clients";
import { readEntitlement, readOffer, readStep } from "../../client/src/chain/read";
import type { StepStatus } from "../../client/src/chain/types";
import { type Certificate, certificateHash, parseCertificate } from "../../client/src/protocol/certificate";
import {
  type StepAttestation,
  type StepPermit,
  marketDomain,
  stepAttestationTypes,
} from "../../client/src/protocol/eip712";
import { ProtocolError } from "../../client/src/protocol/errors";
import { sha256Hex } from "../../client/src/protocol/jcs";
import { EvidenceFile, permitDigestOf, stepEvidenceDir } from "../../client/src/runner";
import { type AttestationTrust, verifyStepAttestation } from "./attestation";
import {
  verifyCertificateFields,
  verifyOutputHashes,
  verifyPermitAgainstOffer,
  verifyPermitConsumed,
  verifyStepContinuity,
} from "./verifierChecks";

/** What the verifier needs: the chain, the evidence root and the pinned Sigstore trust. */
export interface VerifierContext {
  readonly reader: MarketReader;
  readonly chainId: bigint;
  readonly evidenceDir: string;
  readonly trust: AttestationTrust;
}

/** A step whose evidence passed every check: what its StepAttestation states. */
export interface VerifiedStep {
  readonly certificate: Certificate;
  readonly attestation: StepAttestation;
  /** The checks passed, in order, for the story. */
  readonly checks: readonly string[];
}

/** The names of the checks, in the order they run. */
export const VERIFIER_CHECKS = [
  "permit consumed on-chain",
  "permit = offer terms",
  "certificate = permit",
  "output hashes",
  "continuity",
  "Sigstore bundle",
] as const;

/** Reads a file of a step's evidence folder; a missing one is evidence missing, not a tool failure. */
async function evidenceFile(root: string, id: bigint, step: number, name: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path.join(stepEvidenceDir(root, id, step), name)));
  } catch (cause) {
    throw new ProtocolError("FAILURE_REQUIRED_FIELD_MISSING", `expected ${name} of step ${step}`, { cause });
  }
}

/** The Sigstore bundle's JSON. */
function bundleJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ProtocolError("FAILURE_BUNDLE_MALFORMED", "expected the Sigstore bundle as UTF-8 JSON", { cause });
  }
}

/**
 * Verifies a step's evidence, as a checklist: the permit is the one the market consumed (and the step is in one
 * of `statuses`) → the permit carries the offer's commit, policy and gateway → certificate.json says exactly what
 * the permit and the market say → the output files are the ones it names → it continues its input (genesis
 * state, or the fromStep certificate the market holds as claimed) → its Sigstore bundle verifies offline against
 * the pinned development root, for the capsule's workflow at the offer's commit.
 */
export async function verifyStepEvidence(
  ctx: VerifierContext,
  permit: StepPermit,
  statuses: readonly StepStatus[],
): Promise<VerifiedStep> {
  const id = permit.entitlementId;
  const digest = permitDigestOf(permit, ctx.chainId, ctx.reader.market);
  verifyPermitConsumed(digest, await readStep(ctx.reader, id, permit.step), statuses);
  const entitlement = await readEntitlement(ctx.reader, id);
  verifyPermitAgainstOffer(permit, await readOffer(ctx.reader, entitlement.offerId));

  const read = (step: number, name: string) => evidenceFile(ctx.evidenceDir, id, step, name);
  const bytes = await read(permit.step, EvidenceFile.certificate);
  const cert = parseCertificate(bytes);
  verifyCertificateFields(cert, {
    chainId: ctx.chainId,
    market: ctx.reader.market,
    offerId: entitlement.offerId,
    permit,
    permitDigest: digest,
  });
  verifyOutputHashes(cert, {
    state: await read(permit.step, EvidenceFile.state),
    result: await read(permit.step, EvidenceFile.result),
    nextTokens: await read(permit.step, EvidenceFile.nextTokens),
  });

  let prevCertificateHash: Hex = zeroHash;
  if (permit.fromStep === 0) {
    const stateHash = sha256Hex(await read(0, EvidenceFile.state));
    verifyStepContinuity(cert, { kind: "genesis", stateHash });
  } else {
    const prevBytes = await read(permit.fromStep, EvidenceFile.certificate);
    prevCertificateHash = certificateHash(prevBytes);
    const claimed = await readStep(ctx.reader, id, permit.fromStep);
    verifyStepContinuity(cert, {
      kind: "step",
      prev: parseCertificate(prevBytes),
      prevHash: prevCertificateHash,
      claimedHash: claimed.certificateHash,
    });
  }
  verifyStepAttestation(bytes, bundleJson(await read(permit.step, EvidenceFile.attestation)), ctx.trust);

  return {
    certificate: cert,
    attestation: {
      entitlementId: id,
      step: permit.step,
      permitDigest: digest,
      certificateHash: certificateHash(bytes),
      prevCertificateHash,
      commit: permit.commit,
      policyHash: permit.policyHash,
    },
    checks: VERIFIER_CHECKS,
  };
}

/** Signs a verified step's StepAttestation (EIP-712, the market's domain) with the verifier's key. */
export function signStepAttestation(
  verifier: LocalAccount,
  chainId: bigint,
  reader: MarketReader,
  attestation: StepAttestation,
): Promise<Hex> {
  return verifier.signTypedData({
    domain: marketDomain(chainId, reader.market),
    types: stepAttestationTypes,
    primaryType: "StepAttestation",
    message: attestation,
  });
}
