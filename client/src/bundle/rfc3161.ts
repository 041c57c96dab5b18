import { tsaTrustFromPem, verifyTimestamp } from "../protocol/timestamp";
import type { TimestampVerifier } from "./context";

/** The RFC 3161 verifier bundles use by default: offline, against the pinned or claim-bound TSA chain. */
export const rfc3161Verifier: TimestampVerifier = async (tsr, digest, tsaChainPem) => {
  const verified = await verifyTimestamp(tsr, { digest, trust: tsaTrustFromPem(tsaChainPem) });
  return { genTime: verified.genTime };
};
