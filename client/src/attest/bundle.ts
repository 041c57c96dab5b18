import { BUNDLE_V03_MEDIA_TYPE, type Bundle, type BundleWithDsseEnvelope, bundleFromJSON } from "@sigstore/bundle";

import { ProtocolError } from "../protocol/errors";
import { ATTEST_CODES } from "./errors";

/** A bundle this verifier accepts: v0.3, a DSSE envelope, the leaf certificate alone as key material. */
export type AttestationBundle = BundleWithDsseEnvelope & {
  verificationMaterial: { content: { $case: "certificate" } };
};

/**
 * Parses a bundle's JSON form and accepts only what GitHub's artifact attestation produces: media type
 * `application/vnd.dev.sigstore.bundle.v0.3+json`, a DSSE envelope with exactly one signature, and a single
 * certificate (v0.3 forbids a chain). Everything else is refused before any cryptography runs.
 */
export function parseAttestationBundle(json: unknown): AttestationBundle {
  let bundle: Bundle;
  try {
    // Validates the fields each version requires (v0.3: one certificate, never a chain).
    bundle = bundleFromJSON(json);
  } catch (err) {
    throw new ProtocolError(ATTEST_CODES.BUNDLE_MALFORMED, "expected a Sigstore bundle", { cause: err });
  }
  if (bundle.mediaType !== BUNDLE_V03_MEDIA_TYPE) {
    throw new ProtocolError(
      ATTEST_CODES.BUNDLE_UNSUPPORTED,
      `expected media type ${BUNDLE_V03_MEDIA_TYPE}, got ${bundle.mediaType}`,
    );
  }
  if (bundle.content.$case !== "dsseEnvelope") {
    throw new ProtocolError(ATTEST_CODES.BUNDLE_UNSUPPORTED, `expected a DSSE envelope, got ${bundle.content.$case}`);
  }
  const signatures = bundle.content.dsseEnvelope.signatures.length;
  if (signatures !== 1) {
    throw new ProtocolError(ATTEST_CODES.BUNDLE_UNSUPPORTED, `expected exactly 1 DSSE signature, got ${signatures}`);
  }
  const material = bundle.verificationMaterial.content.$case;
  if (material !== "certificate") {
    throw new ProtocolError(ATTEST_CODES.BUNDLE_UNSUPPORTED, `expected a certificate as key material, got ${material}`);
  }
  return bundle as AttestationBundle;
}
