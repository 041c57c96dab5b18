import {
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  ValidationError,
  bundleFromJSON,
} from "@sigstore/bundle";
import { type SignedEntity, type Signer, VerificationError, toSignedEntity } from "@sigstore/verify";

import { SIGSTORE_CODE_MAP, UncheckedCode, VerifyCode } from "./codes";
import { verifyDerSequence, verifyInclusionProofForm, verifyTimestampEnvelopes } from "./bundleForm";
import { CheckUnchecked, failVerify } from "./failure";
import { type PinnedRoot, type PinnedTrust, rootsForBundle } from "./pinnedTrust";

/** The bundle media types accepted: v0.3 in both spellings (what GitHub's artifact attestations carry). */
export const ACCEPTED_BUNDLE_MEDIA_TYPES: readonly string[] = [BUNDLE_V03_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE];

/**
 * What a bundle may be. `attestation` (the step verifier's): v0.3, one DSSE signature, a single leaf certificate.
 * `any`: every bundle version and content `@sigstore/verify` reads (message signatures need `artifact`), for
 * checking the Sigstore layer against other clients' bundles (conformance).
 */
export type BundleProfile = { readonly kind: "attestation" } | { readonly kind: "any"; readonly artifact?: Buffer };

/** A bundle after the form checks of its profile. */
export interface ParsedBundle {
  readonly bundle: Bundle;
  readonly entity: SignedEntity;
  readonly hasTlog: boolean;
}

/**
 * Parses a bundle's JSON form and refuses, before any cryptography: a non-bundle or a missing field
 * (FAILURE_REQUIRED_FIELD_MISSING when the library names missing fields, else FAILURE_BUNDLE_MALFORMED), another
 * version (FAILURE_SCHEMA_VERSION_UNSUPPORTED), anything but one DSSE signature and one leaf certificate, and
 * certificates or timestamps that do not parse (FAILURE_BUNDLE_MALFORMED).
 */
export function parseSigstoreBundle(json: unknown, profile: BundleProfile = { kind: "attestation" }): ParsedBundle {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected the Sigstore bundle to be a JSON object");
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== "string") failVerify(VerifyCode.REQUIRED_FIELD_MISSING, "expected the bundle's mediaType");
  const strict = profile.kind === "attestation";
  if (strict && !ACCEPTED_BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    failVerify(VerifyCode.SCHEMA_VERSION_UNSUPPORTED, `expected a v0.3 bundle, got ${JSON.stringify(mediaType)}`);
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (cause) {
    if (cause instanceof ValidationError && (cause.fields ?? []).length > 0) {
      failVerify(VerifyCode.REQUIRED_FIELD_MISSING, `the bundle lacks ${cause.fields!.join(", ")}`, cause);
    }
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected a Sigstore bundle", cause);
  }
  if (strict) checkAttestationForm(bundle);
  verifyInclusionProofForm(bundle);
  verifyTimestampEnvelopes(bundle);
  if (bundle.content.$case === "dsseEnvelope" && bundle.content.dsseEnvelope.signatures.length !== 1) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected exactly 1 DSSE signature");
  }
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, profile.kind === "any" ? profile.artifact : undefined);
  } catch (cause) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected a parseable certificate and timestamps", cause);
  }
  return {
    bundle,
    entity,
    hasTlog: bundle.verificationMaterial.tlogEntries.length > 0,
  };
}

/** v0.3 attestation form: a DSSE envelope and a single leaf certificate (else FAILURE_BUNDLE_MALFORMED). */
function checkAttestationForm(bundle: Bundle): void {
  if (bundle.content.$case !== "dsseEnvelope") {
    failVerify(VerifyCode.BUNDLE_MALFORMED, `expected a DSSE envelope, got ${bundle.content.$case}`);
  }
  if (bundle.verificationMaterial.content.$case !== "certificate") {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected a single leaf certificate as key material");
  }
  verifyDerSequence(bundle.verificationMaterial.content.certificate.rawBytes, "the leaf certificate");
  const keyid = bundle.content.dsseEnvelope.signatures[0]?.keyid ?? "";
  if (keyid !== "")
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected an empty DSSE keyid (the certificate is the key)");
}

/** What the Sigstore layer establishes: the signer (leaf identity) and the root it chains to. */
export interface SigstoreVerified {
  readonly signer: Signer;
  readonly root: PinnedRoot;
}

/**
 * Verifies a parsed bundle offline under the pinned roots of its kind, with that kind's thresholds: timestamps
 * (RFC 3161 against the TSAs, Rekor SETs), the leaf chain at the signed time, SCTs, every tlog entry (inclusion
 * proof, checkpoint, body), the DSSE signature. No identity policy here: identity is checked field by field
 * afterwards. No root of the bundle's kind: indeterminate, naming the missing root.
 */
export function verifySigstoreSignature(parsed: ParsedBundle, trust: PinnedTrust): SigstoreVerified {
  const roots = rootsForBundle(trust, parsed.hasTlog);
  if (roots.length === 0) {
    const what = parsed.hasTlog
      ? "a pinned trusted root for bundles with a transparency-log entry (public-good Sigstore)"
      : "a pinned trusted root for bundles with an RFC 3161 timestamp and no log (GitHub's Sigstore instance)";
    throw new CheckUnchecked(UncheckedCode.TRUST_ROOT_MISSING, `missing ${what}`, [what], true);
  }
  let first: unknown;
  for (const root of roots) {
    try {
      return { signer: root.verifier.verify(parsed.entity), root };
    } catch (err) {
      first ??= err;
    }
  }
  if (first instanceof VerificationError) {
    const code = SIGSTORE_CODE_MAP[first.code] ?? VerifyCode.SIGNATURE_INVALID;
    failVerify(code, `${first.code}: ${first.message}`, first);
  }
  failVerify(VerifyCode.BUNDLE_MALFORMED, "the bundle's certificates or timestamps do not parse", first);
}
