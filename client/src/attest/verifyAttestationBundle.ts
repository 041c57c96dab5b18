import { parseAttestationBundle } from "./bundle";
import { type SignerIdentity, toVerificationPolicy } from "./identityPolicy";
import type { StepStatement } from "./statement";
import { loadTrustMaterial } from "./trustedRoot";
import { DEFAULT_THRESHOLDS, type VerificationThresholds, verifySigstoreBundle } from "./verifySigstore";
import { readStatement, verifyPredicateType, verifyStepPredicate, verifySubjectDigest } from "./verifyStatement";

/** What a step attestation is verified against: all pinned by the caller, nothing taken from the bundle. */
export interface VerifyAttestationOptions {
  /** The Sigstore trusted root (JSON form) to verify against: GitHub's, public-good's, or a devnet root. */
  trustedRoot: unknown;
  /** The certificateHash: sha256 of certificate.json, 0x-prefixed or bare lowercase hex. */
  expectedDigest: string;
  /** Who must have signed. */
  identity: SignerIdentity;
  /** Default `DEFAULT_THRESHOLDS`: one verified timestamp, no tlog or SCT required. */
  thresholds?: VerificationThresholds;
}

/** A verified step attestation: the statement and the signer's identity as its certificate states it. */
export interface VerifiedAttestation {
  statement: StepStatement;
  signer: { san: string; issuer: string };
}

/**
 * Verifies a step certificate's Sigstore bundle offline, as a checklist: the bundle's form → the trusted root →
 * the Sigstore checks and the signer identity (`@sigstore/verify`) → the payload is an in-toto statement of the
 * step-certificate predicate type → its only subject is certificate.json with the expected digest.
 */
export function verifyAttestationBundle(bundleJson: unknown, options: VerifyAttestationOptions): VerifiedAttestation {
  const bundle = parseAttestationBundle(bundleJson);
  const trustMaterial = loadTrustMaterial(options.trustedRoot);
  const policy = toVerificationPolicy(options.identity);
  const signer = verifySigstoreBundle(bundle, trustMaterial, policy, options.thresholds ?? DEFAULT_THRESHOLDS);
  const statement = readStatement(bundle);
  verifyPredicateType(statement);
  const stepStatement = verifyStepPredicate(statement);
  verifySubjectDigest(statement, options.expectedDigest);
  const identity = signer.identity ?? {};
  return {
    statement: stepStatement,
    signer: { san: identity.subjectAlternativeName ?? "", issuer: identity.extensions?.issuer ?? "" },
  };
}
