import { createHash } from "node:crypto";

import { ProtocolError } from "../protocol/errors";
import { canonicalJson } from "../protocol/jcs";
import { ATTEST_CODES } from "./errors";

/** in-toto Statement v1's `_type`. */
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** The DSSE payloadType of an in-toto statement (what GitHub's artifact attestations use). */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** The predicate type of a swarm step certificate attestation. */
export const STEP_CERTIFICATE_PREDICATE_TYPE = "https://swarm.dev/step-certificate/v1";
/** The statement's only subject name: the evidence file the digest covers. */
export const CERTIFICATE_SUBJECT_NAME = "certificate.json";

/** Which step of which market a certificate speaks for: integers as decimal strings, the address lowercase. */
export interface StepCertificatePredicate {
  chainId: string;
  market: `0x${string}`;
  entitlementId: string;
  step: string;
}

/** The in-toto statement a step certificate is attested with. */
export interface StepStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: [{ name: typeof CERTIFICATE_SUBJECT_NAME; digest: { sha256: string } }];
  predicateType: typeof STEP_CERTIFICATE_PREDICATE_TYPE;
  predicate: StepCertificatePredicate;
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const POSITIVE_DECIMAL = /^[1-9][0-9]{0,77}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

/** Each predicate field and the pattern its string must match (a uint256 has at most 78 decimal digits). */
export const STEP_PREDICATE_FIELDS = {
  chainId: POSITIVE_DECIMAL,
  market: ADDRESS,
  entitlementId: DECIMAL,
  step: POSITIVE_DECIMAL,
} as const satisfies Record<keyof StepCertificatePredicate, RegExp>;

function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(ATTEST_CODES.CERTIFICATE_MALFORMED, message, cause === undefined ? {} : { cause });
}

function field(record: Record<string, unknown>, name: string, pattern: RegExp, path: string): string {
  const value = record[name];
  if (typeof value !== "string" || !pattern.test(value)) {
    throw malformed(`expected ${path} to match ${String(pattern)}, got ${JSON.stringify(value) ?? "nothing"}`);
  }
  return value;
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformed(`expected ${path} to be an object`);
  }
  return value as Record<string, unknown>;
}

/**
 * The predicate fields of a certificate.json, read from its exact bytes. The bytes must be UTF-8 JCS (RFC 8785)
 * canonical JSON: a certificate is hashed as written, so non-canonical input is refused, never re-canonicalized.
 */
export function readCertificatePredicate(certificateBytes: Uint8Array): StepCertificatePredicate {
  const text = Buffer.from(certificateBytes).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw malformed("expected certificate.json to be JSON", err);
  }
  if (!Buffer.from(text, "utf8").equals(Buffer.from(certificateBytes)) || canonicalJson(parsed) !== text) {
    throw malformed("expected certificate.json to be JCS (RFC 8785) canonical UTF-8");
  }
  const certificate = asRecord(parsed, "the certificate");
  const market = asRecord(certificate.market, "market");
  const p = STEP_PREDICATE_FIELDS;
  return {
    chainId: field(market, "chainId", p.chainId, "market.chainId"),
    market: field(market, "address", p.market, "market.address") as `0x${string}`,
    entitlementId: field(certificate, "entitlementId", p.entitlementId, "entitlementId"),
    step: field(certificate, "step", p.step, "step"),
  };
}

/** The in-toto Statement v1 for a certificate: its sha256 as the only subject, its step as the predicate. */
export function buildStepStatement(certificateBytes: Uint8Array): StepStatement {
  const predicate = readCertificatePredicate(certificateBytes);
  const sha256 = createHash("sha256").update(certificateBytes).digest("hex");
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: CERTIFICATE_SUBJECT_NAME, digest: { sha256 } }],
    predicateType: STEP_CERTIFICATE_PREDICATE_TYPE,
    predicate,
  };
}
