import { requestTimestamp, tsaTrustFromPem, verifyTimestamp } from "../protocol/timestamp";
import type { TimestampVerifier } from "./context";
import type { BundleInputs } from "./exportBundle";

/** The RFC 3161 verifier bundles use by default: offline, against the pinned or claim-bound TSA chain. */
export const rfc3161Verifier: TimestampVerifier = async (tsr, digest, tsaChainPem) => {
  const verified = await verifyTimestamp(tsr, { digest, trust: tsaTrustFromPem(tsaChainPem) });
  return { genTime: verified.genTime };
};

/**
 * A bundle's timestamping from a TSA at `url` (explicit configuration): every token is checked against the TSA's
 * `chainPem` (and its nonce) before it is packaged, so an export never ships a token its own chain does not verify.
 */
export function rfc3161Timestamper(
  url: string,
  chainPem: string,
  fetchFn: typeof fetch,
): NonNullable<BundleInputs["timestamp"]> {
  const trust = tsaTrustFromPem(chainPem);
  return {
    stamp: async (digest) => Buffer.from((await requestTimestamp(url, digest, fetchFn, { trust })).response),
    tsaChainPem: chainPem,
    tsaUrl: url,
  };
}
