import { type Address, type Hex, zeroHash } from "viem";

import { type Certificate, certificateHash, parseCertificate } from "../protocol/certificate";
import { sha256Hex } from "../protocol/jcs";
import { GENESIS_PERMIT_DIGEST, GENESIS_STEP, maxStateBundleLength } from "../protocol/stateBundle";
import { RunnerErrorCode, runnerFail } from "./errors";
import type { StepInputSource } from "./evidence";

/** Verifies the fromStep certificate's attestation (a Sigstore bundle); throws when it does not verify. */
export type InputCertificateVerifier = (certificateBytes: Uint8Array, bundle: unknown) => Promise<void>;

/** What the fromStep certificate must say: this market, offer, entitlement, commit and policy, step = fromStep. */
export interface InputExpectation {
  readonly market: { readonly chainId: bigint; readonly address: Address };
  readonly offerId: bigint;
  readonly entitlementId: bigint;
  readonly fromStep: number;
  readonly commit: Hex;
  readonly policyHash: Hex;
}

/** A checked input, not yet decrypted: what decryption expects and what the new certificate records. */
export interface VerifiedInput {
  /** The input state ciphertext (compact JWE text). */
  readonly stateJwe: string;
  /** sha256 of the ciphertext bytes: the new certificate's stateIn. */
  readonly stateHash: Hex;
  /** The new certificate's prevCertificate: the fromStep certificate's hash, zero at genesis. */
  readonly prevCertificate: Hex;
  /** The step and permitDigest the input state's header must carry. */
  readonly header: { readonly step: number; readonly permitDigest: Hex };
}

/** Refuses a fromStep certificate for another market, offer, entitlement, commit, policy or step. */
export function verifyInputCertificateFields(cert: Certificate, expected: InputExpectation): void {
  const mismatches: string[] = [];
  if (cert.market.chainId !== expected.market.chainId.toString()) mismatches.push("market.chainId");
  if (cert.market.address !== expected.market.address.toLowerCase()) mismatches.push("market.address");
  if (cert.offerId !== expected.offerId.toString()) mismatches.push("offerId");
  if (cert.entitlementId !== expected.entitlementId.toString()) mismatches.push("entitlementId");
  if (cert.step !== expected.fromStep.toString()) mismatches.push("step");
  if (cert.commit !== expected.commit.toLowerCase()) mismatches.push("commit");
  if (cert.policyHash !== expected.policyHash.toLowerCase()) mismatches.push("policyHash");
  if (mismatches.length > 0) {
    runnerFail(
      RunnerErrorCode.INPUT_CERTIFICATE_INVALID,
      `the fromStep certificate differs in ${mismatches.join(", ")}`,
    );
  }
}

/** Refuses an input state whose ciphertext is not the one the fromStep certificate names (its stateOut). */
export function verifyInputStateHash(state: Uint8Array, cert: Certificate): Hex {
  const hash = sha256Hex(state);
  if (hash !== cert.stateOut) {
    runnerFail(
      RunnerErrorCode.INPUT_STATE_MISMATCH,
      "expected the input state's sha256 to be the certificate's stateOut",
    );
  }
  return hash;
}

/** Runs the injected attestation verifier; any failure is INPUT_ATTESTATION_INVALID. */
export async function verifyInputAttestation(
  certificate: Uint8Array,
  bundle: unknown,
  verify: InputCertificateVerifier,
): Promise<void> {
  try {
    await verify(certificate, bundle);
  } catch (cause) {
    runnerFail(
      RunnerErrorCode.INPUT_ATTESTATION_INVALID,
      "the fromStep certificate's attestation does not verify",
      cause,
    );
  }
}

/** The ciphertext bytes as text (latin1 keeps every byte, so the shape check refuses anything but a JWE). */
function asText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

/**
 * Loads the step's input and checks it before anything is decrypted. Genesis (fromStep 0): the buyer-seeded
 * state, bound by its header to step 0 and a zero permit digest. Otherwise, cheapest first: the fromStep
 * certificate parses, names this market, offer, entitlement, commit, policy and step; the state's sha256 is its
 * stateOut; and its attestation verifies.
 */
export async function loadVerifiedInput(
  source: StepInputSource,
  expected: InputExpectation,
  options: { maxStateBytes: number; verifyInputCertificate: InputCertificateVerifier },
): Promise<VerifiedInput> {
  const maxChars = maxStateBundleLength(options.maxStateBytes);
  if (expected.fromStep === GENESIS_STEP) {
    const state = await source.genesisState(expected.entitlementId, maxChars);
    return {
      stateJwe: asText(state),
      stateHash: sha256Hex(state),
      prevCertificate: zeroHash,
      header: { step: GENESIS_STEP, permitDigest: GENESIS_PERMIT_DIGEST },
    };
  }
  const input = await source.stepOutput(expected.entitlementId, expected.fromStep, maxChars);
  let cert: Certificate;
  try {
    cert = parseCertificate(input.certificate);
  } catch (cause) {
    runnerFail(RunnerErrorCode.INPUT_CERTIFICATE_INVALID, "the fromStep certificate does not parse", cause);
  }
  verifyInputCertificateFields(cert, expected);
  const stateHash = verifyInputStateHash(input.state, cert);
  await verifyInputAttestation(input.certificate, input.attestation, options.verifyInputCertificate);
  return {
    stateJwe: asText(input.state),
    stateHash,
    prevCertificate: certificateHash(input.certificate),
    header: { step: expected.fromStep, permitDigest: cert.permitDigest as Hex },
  };
}
