import { tsaTrustFromPem } from "./tsaTrust";
import { type VerifiedTimestamp, verifyTimestamp } from "./verifyTimestamp";

/**
 * Verifies a TIMESTAMP.tsr over a sha256 `digest` (for bundles: sha256 of CLAIM.dsse.json's bytes) against a pinned
 * TSA chain in PEM (signer first, anchor last): the shape a bundle verifier's timestamp hook takes.
 */
export function verifyTimestampWithPem(
  tsr: Uint8Array,
  digest: Uint8Array,
  tsaChainPem: string,
): Promise<VerifiedTimestamp> {
  return verifyTimestamp(tsr, { digest, trust: tsaTrustFromPem(tsaChainPem) });
}
