/**
 * The runner's check of a step certificate's attestation (its fromStep's, before that state is decrypted; or a
 * bundle handed to `swarm run attest`): offline, against a trusted root the caller pins (`--trusted-root`),
 * never one read from the bundle or fetched. The signer must be the capsule's workflow, in its repository, at
 * one of its refs, built from the offer's commit, in the run the certificate names.
 */
import {
  type VerifiedAttestation,
  parseAttestationBundle,
  readStatement,
  verifyAttestationBundle,
  verifyPredicateType,
  verifySubjectDigest,
} from "../attest";
import { certificateHash, parseCertificate } from "../protocol/certificate";
import { ProtocolError } from "../protocol/errors";
import type { PolicyCapsule } from "../protocol/policy";

/** Code of a certificate whose run is not the capsule's workflow, repository or ref. */
export const ATTESTATION_IDENTITY_MISMATCH = "ATTESTATION_IDENTITY_MISMATCH";

/** Verifies `bundle` attests `certificateBytes`, signed by the capsule's workflow at `commit` (0x-hex). */
export function verifyStepAttestation(
  certificateBytes: Uint8Array,
  bundle: unknown,
  trust: { trustedRoot: unknown; capsule: PolicyCapsule; commit: string },
): VerifiedAttestation {
  const cert = parseCertificate(certificateBytes);
  const identity = trust.capsule.identity;
  const at = cert.run.jobWorkflowRef.lastIndexOf("@");
  const workflow = cert.run.jobWorkflowRef.slice(0, at);
  const ref = cert.run.jobWorkflowRef.slice(at + 1);
  if (
    workflow !== identity.jobWorkflowRef ||
    !identity.refs.includes(ref) ||
    cert.run.repository !== identity.repository
  ) {
    throw new ProtocolError(
      ATTESTATION_IDENTITY_MISMATCH,
      `expected the capsule's workflow, got ${cert.run.jobWorkflowRef}`,
    );
  }
  const runInvocationUri = `https://github.com/${cert.run.repository}/actions/runs/${cert.run.runId}/attempts/${cert.run.runAttempt}`;
  return verifyAttestationBundle(bundle, {
    trustedRoot: trust.trustedRoot,
    expectedDigest: certificateHash(certificateBytes),
    identity: {
      san: `https://github.com/${cert.run.jobWorkflowRef}`,
      issuer: identity.issuer,
      extensions: {
        buildSignerDigest: trust.commit.replace(/^0x/, "").toLowerCase(),
        sourceRepositoryIdentifier: identity.repositoryId,
        runInvocationUri,
        ...(identity.runnerEnvironments.length === 1 ? { runnerEnvironment: identity.runnerEnvironments[0]! } : {}),
      },
    },
  });
}

/** Checks, without a trusted root, that `bundle` is a Sigstore bundle of a step statement about these bytes. */
export function verifyBundleSubject(certificateBytes: Uint8Array, bundle: unknown): void {
  const statement = readStatement(parseAttestationBundle(bundle));
  verifyPredicateType(statement);
  verifySubjectDigest(statement, certificateHash(certificateBytes));
}
