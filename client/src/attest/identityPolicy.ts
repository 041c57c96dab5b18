import type { VerificationPolicy } from "@sigstore/verify";

import { ProtocolError } from "../protocol/errors";
import { ATTEST_CODES } from "./errors";
import { FULCIO_OIDS, type FulcioExtensionName, derUtf8String, oidArcs } from "./fulcioExtensions";

/** Who must have signed: checked against the Fulcio leaf certificate, all exact string comparisons. */
export interface SignerIdentity {
  /** The SAN URI; for GitHub Actions `https://github.com/<job_workflow_ref>`. */
  san: string;
  /** The OIDC issuer (extension `.1.8`, else `.1.1`), e.g. `https://token.actions.githubusercontent.com`. */
  issuer: string;
  /** Fulcio extensions (`.1.8`+) that must be present with exactly these values. */
  extensions?: Partial<Record<FulcioExtensionName, string>>;
}

/** `value` as a regular expression that matches exactly `value`: Sigstore's SAN policy is a JavaScript regex. */
export function exactPattern(value: string): string {
  return `^${value.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")}$`;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError(ATTEST_CODES.OPTIONS_INVALID, message);
}

/**
 * The `@sigstore/verify` policy for an identity: the SAN anchored and escaped, the issuer exact, and each
 * extension as an OID whose whole value (DER UTF8String, tag and length included) must match.
 */
export function toVerificationPolicy(identity: SignerIdentity): VerificationPolicy {
  if (typeof identity.san !== "string" || identity.san === "") throw invalid("expected identity.san to be a URI");
  if (typeof identity.issuer !== "string" || identity.issuer === "") throw invalid("expected identity.issuer");
  const oids = Object.entries(identity.extensions ?? {}).map(([name, value]) => {
    const oid = (FULCIO_OIDS as Record<string, string>)[name];
    if (oid === undefined) throw invalid(`expected a Fulcio extension name, got ${name}`);
    if (typeof value !== "string") throw invalid(`expected identity.extensions.${name} to be a string`);
    return { oid: { id: oidArcs(oid) }, value: derUtf8String(value) };
  });
  return {
    subjectAlternativeName: exactPattern(identity.san),
    extensions: { issuer: identity.issuer },
    oids,
  };
}
