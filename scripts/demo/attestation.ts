import {
  type SigstoreEndpoints,
  type TrustedRootJson,
  type VerificationThresholds,
  type VerifiedAttestation,
  attestCertificate,
  verifyAttestationBundle,
} from "../../client/src/attest";
import { type Certificate, certificateHash, parseCertificate } from "../../client/src/protocol/certificate";
import { ProtocolError } from "../../client/src/protocol/errors";
import type { PolicyCapsule } from "../../client/src/protocol/policy";
import type { Attest, IdTokenSource } from "../../client/src/runner";

/** The demo's bundles carry both a Rekor entry and a TSA timestamp; verification requires both. */
export const DEMO_THRESHOLDS: VerificationThresholds = { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 2 };

/** What a step attestation is checked against: all pinned, nothing read from the bundle. */
export interface AttestationTrust {
  /** The development Sigstore's trusted root: trusted here only because the demo hands it over explicitly. */
  readonly trustedRoot: TrustedRootJson;
  /** The offer's capsule: the workflow, repository, refs, issuer and runner environment the signer must have. */
  readonly capsule: PolicyCapsule;
  /** The offer's workflow commit, 0x-prefixed. */
  readonly commit: string;
}

/** The runner's attester: a fresh `sigstore`-audience token from its own run, then the standard signing client. */
export function sigstoreAttester(sigstore: SigstoreEndpoints, token: IdTokenSource): Attest {
  return async (certificateBytes) => attestCertificate({ certificateBytes, token: await token(), sigstore });
}

/** GitHub's run invocation URI (Fulcio extension .1.21) of the run a certificate names. */
function runInvocationUri(cert: Certificate): string {
  return `https://github.com/${cert.run.repository}/actions/runs/${cert.run.runId}/attempts/${cert.run.runAttempt}`;
}

/**
 * Verifies a step certificate's Sigstore bundle offline against the pinned trust: the run it names must be the
 * capsule's workflow in the capsule's repository, and the Fulcio leaf must say so too (SAN = that workflow at its
 * ref, issuer, build signer digest = the offer's commit, repository id, run invocation URI = the certificate's run,
 * the capsule's runner environment); the in-toto subject digest must be the certificate's hash.
 */
export function verifyStepAttestation(
  certificateBytes: Uint8Array,
  bundle: unknown,
  trust: AttestationTrust,
): VerifiedAttestation {
  const cert = parseCertificate(certificateBytes);
  const identity = trust.capsule.identity;
  const [workflow, ref] = splitAt(cert.run.jobWorkflowRef);
  if (
    workflow !== identity.jobWorkflowRef ||
    !identity.refs.includes(ref) ||
    cert.run.repository !== identity.repository
  ) {
    throw new ProtocolError(
      "FAILURE_IDENTITY_MISMATCH",
      `expected the capsule's workflow, got ${cert.run.jobWorkflowRef}`,
    );
  }
  return verifyAttestationBundle(bundle, {
    trustedRoot: trust.trustedRoot,
    expectedDigest: certificateHash(certificateBytes),
    identity: {
      san: `https://github.com/${cert.run.jobWorkflowRef}`,
      issuer: identity.issuer,
      extensions: {
        buildSignerDigest: trust.commit.replace(/^0x/, ""),
        sourceRepositoryIdentifier: identity.repositoryId,
        runInvocationUri: runInvocationUri(cert),
        // Pinned only when the capsule allows exactly one runner environment.
        ...(identity.runnerEnvironments.length === 1 ? { runnerEnvironment: identity.runnerEnvironments[0]! } : {}),
      },
    },
    thresholds: DEMO_THRESHOLDS,
  });
}

/** `workflow@ref` split at its last `@`. */
function splitAt(jobWorkflowRef: string): [string, string] {
  const at = jobWorkflowRef.lastIndexOf("@");
  return [jobWorkflowRef.slice(0, at), jobWorkflowRef.slice(at + 1)];
}
