import type { Address, Hex } from "viem";

import type { ReleasedCaps } from "../protocol/caps";
import { type BuiltCertificate, type RunIdentity, buildCertificate } from "../protocol/certificate";
import { type Clock, epochSeconds } from "../protocol/clock";
import type { StepPermit } from "../protocol/eip712";
import { sha256Hex } from "../protocol/jcs";
import { parsePolicyCapsule } from "../protocol/policy";
import { type StateBundleKind, decryptStateBundle, encryptStateBundle } from "../protocol/stateBundle";
import { type StepCommand, type StepOutputs, runStepCommand } from "./command";
import { RunnerErrorCode, runnerFail } from "./errors";
import { type StepInputSource, evidenceExists, writeStepEvidence } from "./evidence";
import { type InputCertificateVerifier, loadVerifiedInput } from "./input";
import { verifyPermitRun } from "./permit";

/** Attests certificate bytes (an in-toto statement in a Sigstore bundle); returns the bundle as JSON. */
export type Attest = (certificateBytes: Uint8Array) => Promise<unknown>;

/** Everything a step needs once its permit is consumed and its caps are in hand. */
export interface RunStepOptions {
  readonly permit: StepPermit;
  /** The permit's EIP-712 digest (`permitDigestOf`). */
  readonly permitDigest: Hex;
  /** The caps released for this permit (`requestCaps`). */
  readonly caps: ReleasedCaps;
  readonly market: { readonly chainId: bigint; readonly address: Address };
  /** The entitlement's offer (on-chain `getEntitlement(id).offerId`). */
  readonly offerId: bigint;
  /** This job, from its OIDC token (`runIdentityFromToken`). */
  readonly run: RunIdentity;
  /** The policy capsule's JCS bytes: must hash to the permit's policyHash; its limits bind the step. */
  readonly policy: Uint8Array;
  readonly command: StepCommand;
  readonly input: StepInputSource;
  /** Root of the evidence layout the step's outputs are written to. */
  readonly evidenceDir: string;
  /** Parent of the step's private temporary folder. */
  readonly workDir: string;
  /**
   * Attests certificate.json; or "deferred": the evidence is written without certificate.sigstore.json, which
   * the workflow's next step adds (GitHub's artifact attestation, then `writeStepAttestation`).
   */
  readonly attest: Attest | "deferred";
  readonly verifyInputCertificate: InputCertificateVerifier;
  readonly clock: Clock;
  /** A tighter time limit than the capsule's maxSeconds (never a looser one). */
  readonly maxSeconds?: number;
}

/** A finished step: its certificate and where its evidence lies. */
export interface StepResult extends BuiltCertificate {
  readonly evidencePath: string;
}

/** Milliseconds the command may run: the capsule's (or a tighter) limit, and never past the caps' expiry. */
export function stepTimeoutMs(maxSeconds: number, caps: ReleasedCaps, clock: Clock, tighter?: number): number {
  const windowSeconds = Number(caps.expiresAt) - epochSeconds(clock);
  if (windowSeconds <= 0) runnerFail(RunnerErrorCode.STEP_WINDOW_CLOSED, "the step's caps have expired");
  return Math.min(maxSeconds, tighter ?? maxSeconds, windowSeconds) * 1000;
}

/**
 * Runs one step, as a checklist: the policy is the permit's; the input is checked (fromStep certificate, its
 * attestation, the state's hash) before it is decrypted with stateCapIn; the command runs under the capsule's
 * limits; state, result and next tokens are encrypted under stateCapOut; certificate.json is built and attested;
 * the evidence folder is written at once. Any failure throws a typed error and writes nothing.
 */
export async function runStep(options: RunStepOptions): Promise<StepResult> {
  const { permit, caps } = options;
  const { capsule, policyHash } = parsePolicyCapsule(options.policy);
  if (policyHash !== permit.policyHash.toLowerCase()) {
    runnerFail(RunnerErrorCode.POLICY_MISMATCH, "expected the policy capsule the permit names");
  }
  verifyPermitRun(permit, options.run);
  if (await evidenceExists(options.evidenceDir, permit.entitlementId, permit.step)) {
    runnerFail(RunnerErrorCode.EVIDENCE_EXISTS, `evidence for step ${permit.step} already exists`);
  }
  const maxStateBytes = Number(capsule.limits.maxStateBytes);
  const timeoutMs = stepTimeoutMs(Number(capsule.limits.maxSeconds), caps, options.clock, options.maxSeconds);

  const input = await loadVerifiedInput(
    options.input,
    {
      market: options.market,
      offerId: options.offerId,
      entitlementId: permit.entitlementId,
      fromStep: permit.fromStep,
      commit: permit.commit,
      policyHash: permit.policyHash,
    },
    { maxStateBytes, verifyInputCertificate: options.verifyInputCertificate },
  );
  const stateIn = await decryptStateBundle(input.stateJwe, caps.stateCapIn, {
    kind: "state",
    entitlementId: permit.entitlementId,
    ...input.header,
    maxBytes: maxStateBytes,
  });

  const outputs = await runStepCommand({
    command: options.command,
    input: stateIn,
    netCap: caps.netCap,
    entitlementId: permit.entitlementId,
    step: permit.step,
    fromStep: permit.fromStep,
    timeoutMs,
    maxStateBytes,
    workDir: options.workDir,
  });
  const sealed = await sealOutputs(outputs, caps.stateCapOut, permit, options.permitDigest, maxStateBytes);

  const built = buildCertificate({
    market: options.market,
    offerId: options.offerId,
    entitlementId: permit.entitlementId,
    step: permit.step,
    fromStep: permit.fromStep,
    permitDigest: options.permitDigest,
    commit: permit.commit,
    policyHash: permit.policyHash,
    run: options.run,
    stateIn: input.stateHash,
    stateOut: sha256Hex(sealed.state),
    result: sha256Hex(sealed.result),
    nextTokens: sha256Hex(sealed.nextTokens),
    prevCertificate: input.prevCertificate,
    issuedAt: options.clock(),
  });
  const attestation = options.attest === "deferred" ? undefined : await attestCertificate(options.attest, built.bytes);
  const evidencePath = await writeStepEvidence(options.evidenceDir, permit.entitlementId, permit.step, {
    certificate: built.bytes,
    ...(attestation === undefined ? {} : { attestation }),
    ...sealed,
  });
  return { ...built, evidencePath };
}

/** Encrypts the three outputs under stateCapOut, each bound to this step and permit by its header. */
async function sealOutputs(
  outputs: StepOutputs,
  stateCapOut: Hex,
  permit: StepPermit,
  permitDigest: Hex,
  maxBytes: number,
): Promise<Record<StateBundleKind, string>> {
  const seal = (kind: StateBundleKind, plaintext: Uint8Array) =>
    encryptStateBundle(plaintext, stateCapOut, {
      kind,
      entitlementId: permit.entitlementId,
      step: permit.step,
      permitDigest,
      maxBytes,
    });
  return {
    state: await seal("state", outputs.state),
    result: await seal("result", outputs.result),
    nextTokens: await seal("nextTokens", outputs.nextTokens),
  };
}

/** Calls the attester; its failure (or a non-object answer) is ATTESTATION_FAILED. */
async function attestCertificate(attest: Attest, bytes: Uint8Array): Promise<unknown> {
  let bundle: unknown;
  try {
    bundle = await attest(bytes);
  } catch (cause) {
    runnerFail(RunnerErrorCode.ATTESTATION_FAILED, "the certificate could not be attested", cause);
  }
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) {
    runnerFail(RunnerErrorCode.ATTESTATION_FAILED, "expected the attester to return a JSON bundle object");
  }
  return bundle;
}
