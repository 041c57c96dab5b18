import type { Bundle } from "@sigstore/bundle";

import {
  CERTIFICATE_SUBJECT_NAME,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  STEP_CERTIFICATE_PREDICATE_TYPE,
} from "../attest/statement";
import type { Certificate } from "../protocol/certificate";
import { VerifyCode } from "./codes";
import { failVerify } from "./failure";

/** The DSSE payload types accepted: in-toto only. */
export const ALLOWED_PAYLOAD_TYPES: readonly string[] = [IN_TOTO_PAYLOAD_TYPE];
/** The predicate types a step attestation may carry. */
export const STEP_PREDICATE_TYPES: readonly string[] = [STEP_CERTIFICATE_PREDICATE_TYPE];

/** An in-toto Statement v1, shape-checked. */
export interface Statement {
  readonly subject: readonly { readonly name?: unknown; readonly digest?: unknown }[];
  readonly predicateType: string;
  readonly predicate: Readonly<Record<string, unknown>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The statement of a verified bundle: payload type allowed (else FAILURE_SCHEMA_VERSION_UNSUPPORTED), JSON
 * (else FAILURE_BUNDLE_MALFORMED), `_type` in-toto Statement v1 (else FAILURE_SCHEMA_VERSION_UNSUPPORTED), a
 * subject list, a string predicateType and an object predicate (else FAILURE_BUNDLE_MALFORMED).
 */
export function readStatement(bundle: Bundle, payloadTypes: readonly string[] = ALLOWED_PAYLOAD_TYPES): Statement {
  if (bundle.content.$case !== "dsseEnvelope") failVerify(VerifyCode.BUNDLE_MALFORMED, "expected a DSSE envelope");
  const envelope = bundle.content.dsseEnvelope;
  if (!payloadTypes.includes(envelope.payloadType)) {
    failVerify(VerifyCode.SCHEMA_VERSION_UNSUPPORTED, `payload type ${JSON.stringify(envelope.payloadType)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(envelope.payload));
  } catch (cause) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected the DSSE payload to be UTF-8 JSON", cause);
  }
  if (!isRecord(parsed)) failVerify(VerifyCode.BUNDLE_MALFORMED, "expected the statement to be an object");
  if (parsed._type !== IN_TOTO_STATEMENT_TYPE) {
    failVerify(VerifyCode.SCHEMA_VERSION_UNSUPPORTED, `expected _type ${IN_TOTO_STATEMENT_TYPE}`);
  }
  const { subject, predicateType, predicate } = parsed;
  if (!Array.isArray(subject) || !subject.every(isRecord)) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected subject to be a list of objects");
  }
  if (typeof predicateType !== "string") failVerify(VerifyCode.BUNDLE_MALFORMED, "expected a predicateType");
  if (!isRecord(predicate)) failVerify(VerifyCode.BUNDLE_MALFORMED, "expected predicate to be an object");
  return { subject, predicateType, predicate };
}

/** The predicate type is one of `allowed` (else FAILURE_SCHEMA_VERSION_UNSUPPORTED). */
export function verifyPredicateType(statement: Statement, allowed: readonly string[] = STEP_PREDICATE_TYPES): void {
  if (!allowed.includes(statement.predicateType)) {
    failVerify(VerifyCode.SCHEMA_VERSION_UNSUPPORTED, `predicate type ${JSON.stringify(statement.predicateType)}`);
  }
}

/** The subject a statement must name: a digest, and optionally its name and whether it must be the only one. */
export interface ExpectedSubject {
  readonly algorithm: "sha256" | "sha512";
  /** Lowercase hex, without 0x. */
  readonly hex: string;
  readonly name?: string;
  readonly only: boolean;
}

/** The statement names the expected subject (else FAILURE_DIGEST_MISMATCH). */
export function verifySubject(statement: Statement, expected: ExpectedSubject): void {
  if (expected.only && statement.subject.length !== 1) {
    failVerify(VerifyCode.DIGEST_MISMATCH, `expected exactly one subject, got ${statement.subject.length}`);
  }
  const match = statement.subject.some(
    (s) =>
      (expected.name === undefined || s.name === expected.name) &&
      isRecord(s.digest) &&
      s.digest[expected.algorithm] === expected.hex,
  );
  if (!match) failVerify(VerifyCode.DIGEST_MISMATCH, `expected a subject with ${expected.algorithm} ${expected.hex}`);
}

/** The step subject: certificate.json alone, its sha256 the certificateHash (0x-prefixed). */
export function stepSubject(certificateHash: string): ExpectedSubject {
  return { algorithm: "sha256", hex: certificateHash.replace(/^0x/, ""), name: CERTIFICATE_SUBJECT_NAME, only: true };
}

/**
 * The step predicate is exactly {chainId, market, entitlementId, step} and says what the certificate says
 * (else FAILURE_DIGEST_MISMATCH: the statement speaks of another step than the certificate it digests).
 */
export function verifyStepPredicate(statement: Statement, cert: Certificate): void {
  const want: Record<string, string> = {
    chainId: cert.market.chainId,
    market: cert.market.address,
    entitlementId: cert.entitlementId,
    step: cert.step,
  };
  const keys = Object.keys(statement.predicate).sort();
  const same = keys.join() === Object.keys(want).sort().join() && keys.every((k) => statement.predicate[k] === want[k]);
  if (!same) failVerify(VerifyCode.DIGEST_MISMATCH, "the statement's predicate names another step");
}
