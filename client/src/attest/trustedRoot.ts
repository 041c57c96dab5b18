import { TrustedRoot } from "@sigstore/protobuf-specs";
import { type TrustMaterial, toTrustMaterial } from "@sigstore/verify";

import { ProtocolError } from "../protocol/errors";
import { ATTEST_CODES } from "./errors";

/** The trusted-root media types accepted (what GitHub's and the public-good roots carry, and v0.2). */
export const TRUSTED_ROOT_MEDIA_TYPES = [
  "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  "application/vnd.dev.sigstore.trustedroot.v0.1+json",
  "application/vnd.dev.sigstore.trustedroot.v0.2+json",
] as const;

/** A validity window in RFC 3339; an absent end means "still in use". */
export interface TimeRangeJson {
  start: string;
  end?: string;
}

/** A Rekor log (or CT log) in a trusted root: base64 DER SPKI, its key details, base64 log ID. */
export interface TransparencyLogInstanceJson {
  baseUrl: string;
  hashAlgorithm: "SHA2_256";
  publicKey: { rawBytes: string; keyDetails: string; validFor: TimeRangeJson };
  logId: { keyId: string };
}

/** A Fulcio CA or a TSA in a trusted root: its certificates, issuing-most first, the self-signed root last. */
export interface CertificateAuthorityJson {
  subject: { organization: string; commonName: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: TimeRangeJson;
}

/** Sigstore's `trusted_root.json` in its protobuf-specs JSON form. */
export interface TrustedRootJson {
  mediaType: (typeof TRUSTED_ROOT_MEDIA_TYPES)[number];
  tlogs: TransparencyLogInstanceJson[];
  certificateAuthorities: CertificateAuthorityJson[];
  ctlogs: TransparencyLogInstanceJson[];
  timestampAuthorities: CertificateAuthorityJson[];
}

function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(ATTEST_CODES.TRUSTED_ROOT_MALFORMED, message, cause === undefined ? {} : { cause });
}

/**
 * Turns a pinned trusted root (JSON form) into `@sigstore/verify` trust material, offline: no TUF, no network.
 * Refuses an unknown media type, a root without a certificate authority, and any authority without certificates.
 */
export function loadTrustMaterial(trustedRoot: unknown): TrustMaterial {
  if (typeof trustedRoot !== "object" || trustedRoot === null || Array.isArray(trustedRoot)) {
    throw malformed("expected the trusted root to be a JSON object");
  }
  const mediaType = (trustedRoot as { mediaType?: unknown }).mediaType;
  if (!TRUSTED_ROOT_MEDIA_TYPES.includes(mediaType as TrustedRootJson["mediaType"])) {
    throw malformed(`expected a trusted root media type, got ${JSON.stringify(mediaType)}`);
  }
  let root: TrustedRoot;
  let material: TrustMaterial;
  try {
    root = TrustedRoot.fromJSON(trustedRoot);
    material = toTrustMaterial(root);
  } catch (err) {
    throw malformed("expected the trusted root to hold parseable keys and certificates", err);
  }
  if (root.certificateAuthorities.length === 0) throw malformed("expected at least one certificate authority");
  const authorities = [...root.certificateAuthorities, ...root.timestampAuthorities];
  if (authorities.some((ca) => (ca.certChain?.certificates.length ?? 0) === 0)) {
    throw malformed("expected every certificate authority to list its certificates");
  }
  return material;
}
