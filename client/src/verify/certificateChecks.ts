import { type Hex, zeroHash } from "viem";

import {
  type Certificate,
  CertificateErrorCode,
  GENESIS_PREV_CERTIFICATE,
  certificateHash,
  parseCertificate,
  verifyContinuity,
} from "../protocol/certificate";
import { isProtocolError } from "../protocol/errors";
import { sha256Hex } from "../protocol/jcs";
import type { ConsumedFacts, OfferFacts, StepRecord } from "./chainFacts";
import { VerifyCode } from "./codes";
import { failVerify } from "./failure";

/** The step asked about. */
export interface StepRef {
  readonly chainId: bigint;
  readonly market: string;
  readonly entitlementId: bigint;
  readonly step: number;
}

/** Parses certificate.json strictly: version → FAILURE_SCHEMA_VERSION_UNSUPPORTED, anything else malformed. */
export function parseStepCertificate(bytes: Uint8Array): { certificate: Certificate; hash: Hex } {
  try {
    return { certificate: parseCertificate(bytes), hash: certificateHash(bytes) };
  } catch (cause) {
    if (isProtocolError(cause, CertificateErrorCode.VERSION_UNSUPPORTED)) {
      failVerify(VerifyCode.SCHEMA_VERSION_UNSUPPORTED, cause.message, cause);
    }
    failVerify(VerifyCode.BUNDLE_MALFORMED, `certificate.json: ${(cause as Error).message}`, cause);
  }
}

/** The certificate is about the step asked for (else FAILURE_PERMIT_MISMATCH). */
export function verifyCertificateScope(cert: Certificate, ref: StepRef): void {
  const wrong = [
    ["market.chainId", cert.market.chainId, ref.chainId.toString()],
    ["market.address", cert.market.address, ref.market.toLowerCase()],
    ["entitlementId", cert.entitlementId, ref.entitlementId.toString()],
    ["step", cert.step, ref.step.toString()],
  ].filter(([, got, want]) => got !== want);
  if (wrong.length > 0) {
    failVerify(VerifyCode.PERMIT_MISMATCH, `the certificate is for another ${wrong.map((w) => w[0]).join(", ")}`);
  }
}

/** The certificate names the offer's commit, policy and id (commit and policy by their own codes). */
export function verifyCertificateOffer(cert: Certificate, offer: OfferFacts): void {
  if (cert.commit !== offer.commit.toLowerCase()) failVerify(VerifyCode.COMMIT_MISMATCH, `commit ${cert.commit}`);
  if (cert.policyHash !== offer.policyHash.toLowerCase()) {
    failVerify(VerifyCode.POLICY_MISMATCH, `policyHash ${cert.policyHash}`);
  }
  if (cert.offerId !== offer.offerId.toString()) failVerify(VerifyCode.PERMIT_MISMATCH, `offerId ${cert.offerId}`);
}

/**
 * The certificate says exactly what the consumed permit said (the StepConsumed event: digest, fromStep, bound run
 * id and attempt), the market's record of the step has that digest's prefix, and the market holds no other
 * certificate for it (else FAILURE_PERMIT_MISMATCH, or FAILURE_HASH_MISMATCH for another stored certificate).
 */
export function verifyCertificatePermit(
  cert: Certificate,
  hash: Hex,
  consumed: ConsumedFacts,
  record: StepRecord | undefined,
): void {
  const checks: [string, string, string][] = [
    ["permitDigest", cert.permitDigest, consumed.permitDigest.toLowerCase()],
    ["fromStep", cert.fromStep, consumed.fromStep.toString()],
  ];
  if (consumed.runId !== 0n) {
    checks.push(["run.runId", cert.run.runId, consumed.runId.toString()]);
    if (consumed.runAttempt !== 0) checks.push(["run.runAttempt", cert.run.runAttempt, consumed.runAttempt.toString()]);
  }
  const wrong = checks.filter(([, got, want]) => got !== want).map(([name]) => name);
  if (wrong.length > 0) failVerify(VerifyCode.PERMIT_MISMATCH, `differs from the consumed permit in ${wrong.join()}`);
  if (record === undefined) return;
  if (record.status === "None") failVerify(VerifyCode.PERMIT_MISMATCH, "the market has not consumed this step");
  if (!cert.permitDigest.startsWith(record.permitDigestPrefix.toLowerCase())) {
    failVerify(VerifyCode.PERMIT_MISMATCH, "the market consumed another permit for this step");
  }
  const stored = record.certificateHash.toLowerCase();
  if (stored !== zeroHash && stored !== hash.toLowerCase()) {
    failVerify(VerifyCode.HASH_MISMATCH, `the market holds another certificate for this step, ${stored}`);
  }
}

/** The step's output files are the ones the certificate names (else FAILURE_HASH_MISMATCH). */
export function verifyOutputHashes(
  cert: Certificate,
  files: { state: Uint8Array; result: Uint8Array; nextTokens: Uint8Array },
): void {
  const wrong = (
    [
      ["state.jwe", cert.stateOut, files.state],
      ["result.jwe", cert.result, files.result],
      ["next_tokens.jwe", cert.nextTokens, files.nextTokens],
    ] as const
  ).filter(([, want, bytes]) => sha256Hex(bytes) !== want);
  if (wrong.length > 0) failVerify(VerifyCode.HASH_MISMATCH, `sha256 of ${wrong.map((w) => w[0]).join(", ")}`);
}

/** What continuity is checked against: the fromStep certificate (when fromStep > 0) and the market's record. */
export interface ContinuityInput {
  readonly from?: { readonly certificate: Certificate; readonly hash: Hex };
  readonly fromRecord?: StepRecord;
  /** The genesis state's bytes, when at hand (fromStep 0). */
  readonly genesisState?: Uint8Array;
}

/**
 * The certificate continues its input (else FAILURE_CONTINUITY_BROKEN): at genesis, a zero prevCertificate (and
 * stateIn = sha256 of the genesis state when given); otherwise the fromStep certificate hashes to prevCertificate,
 * is of the same market, offer and entitlement, has step = fromStep and stateOut = stateIn, and, when the market
 * already stores a certificate for fromStep, it is that one. Returns prevCertificateHash for the attestation.
 */
export function verifyStepContinuity(cert: Certificate, input: ContinuityInput): Hex {
  if (cert.fromStep === "0") {
    if (cert.prevCertificate !== GENESIS_PREV_CERTIFICATE) failVerify(VerifyCode.CONTINUITY_BROKEN, "prev at genesis");
    if (input.genesisState !== undefined && sha256Hex(input.genesisState) !== cert.stateIn) {
      failVerify(VerifyCode.CONTINUITY_BROKEN, "stateIn is not the genesis state's hash");
    }
    return GENESIS_PREV_CERTIFICATE;
  }
  if (input.from === undefined) {
    failVerify(VerifyCode.REQUIRED_FIELD_MISSING, `the fromStep ${cert.fromStep} certificate is required`);
  }
  try {
    verifyContinuity(cert, input.from.certificate, input.from.hash);
  } catch (cause) {
    failVerify(VerifyCode.CONTINUITY_BROKEN, (cause as Error).message, cause);
  }
  const stored = input.fromRecord?.certificateHash.toLowerCase();
  if (stored !== undefined && stored !== zeroHash && stored !== input.from.hash.toLowerCase()) {
    failVerify(VerifyCode.CONTINUITY_BROKEN, `the market holds another fromStep certificate, ${stored}`);
  }
  return input.from.hash.toLowerCase() as Hex;
}
