import {
  PolicyError,
  type Signer,
  type TrustMaterial,
  VerificationError,
  type VerificationPolicy,
  Verifier,
  toSignedEntity,
} from "@sigstore/verify";

import { ProtocolError } from "../protocol/errors";
import type { AttestationBundle } from "./bundle";
import { ATTEST_CODES } from "./errors";

/** How many independent proofs a bundle must carry; every proof present is verified regardless. */
export interface VerificationThresholds {
  /** Rekor entries required. */
  tlogThreshold: number;
  /** Certificate transparency SCTs required in the leaf certificate. */
  ctlogThreshold: number;
  /** Verified timestamps required: RFC 3161 timestamps plus Rekor entries with a signed entry timestamp. */
  timestampThreshold: number;
}

/**
 * The default: one verified timestamp (a TSA's or a Rekor SET), no tlog or SCT required. It accepts both kinds
 * of bundle GitHub produces (public repositories: Rekor; private ones: GitHub's TSA, no tlog, no SCT) and the
 * devnet's. A policy that requires transparency sets `tlogThreshold: 1`.
 */
export const DEFAULT_THRESHOLDS: VerificationThresholds = {
  tlogThreshold: 0,
  ctlogThreshold: 0,
  timestampThreshold: 1,
};

/**
 * Runs `@sigstore/verify`'s verifier: timestamps against the TSAs and logs of the trust material, the leaf
 * certificate's chain at the signed time, every tlog entry (SET, inclusion proof, checkpoint, body), the DSSE
 * signature, then the identity policy. A failure keeps the library's code (e.g. `SIGNATURE_ERROR`,
 * `TIMESTAMP_ERROR`, `UNTRUSTED_SIGNER_ERROR`) as the `ProtocolError` code.
 */
export function verifySigstoreBundle(
  bundle: AttestationBundle,
  trustMaterial: TrustMaterial,
  policy: VerificationPolicy,
  thresholds: VerificationThresholds = DEFAULT_THRESHOLDS,
): Signer {
  try {
    const entity = toSignedEntity(bundle);
    return new Verifier(trustMaterial, thresholds).verify(entity, policy);
  } catch (err) {
    if (err instanceof VerificationError || err instanceof PolicyError) {
      throw new ProtocolError(err.code, err.message, { cause: err });
    }
    // Parse failures of the certificate or a timestamp inside a structurally valid bundle.
    throw new ProtocolError(ATTEST_CODES.BUNDLE_MALFORMED, "expected parseable certificates and timestamps", {
      cause: err,
    });
  }
}
