import { ProtocolError } from "../protocol/errors";
import type { AttestationBundle } from "./bundle";
import { ATTEST_CODES } from "./errors";
import {
  CERTIFICATE_SUBJECT_NAME,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  STEP_CERTIFICATE_PREDICATE_TYPE,
  STEP_PREDICATE_FIELDS,
  type StepStatement,
} from "./statement";

/** An in-toto Statement v1 as read from a DSSE payload, before its predicate is checked. */
export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name?: unknown; digest?: unknown }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

function malformed(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError(ATTEST_CODES.STATEMENT_MALFORMED, message, cause === undefined ? {} : { cause });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The in-toto statement a bundle's DSSE envelope carries (payload type `application/vnd.in-toto+json`). */
export function readStatement(bundle: AttestationBundle): InTotoStatement {
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw malformed(`expected payload type ${IN_TOTO_PAYLOAD_TYPE}, got ${envelope.payloadType}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(envelope.payload.toString("utf8"));
  } catch (err) {
    throw malformed("expected the DSSE payload to be JSON", err);
  }
  if (!isRecord(parsed) || parsed._type !== IN_TOTO_STATEMENT_TYPE) {
    throw malformed(`expected an in-toto statement of _type ${IN_TOTO_STATEMENT_TYPE}`);
  }
  const { subject, predicateType, predicate } = parsed;
  if (!Array.isArray(subject) || !subject.every(isRecord)) throw malformed("expected subject to be a list");
  if (typeof predicateType !== "string") throw malformed("expected predicateType to be a string");
  if (!isRecord(predicate)) throw malformed("expected predicate to be an object");
  return { _type: IN_TOTO_STATEMENT_TYPE, subject, predicateType, predicate };
}

/** Checks the statement's predicate type (default: the step certificate's). */
export function verifyPredicateType(
  statement: InTotoStatement,
  expected: string = STEP_CERTIFICATE_PREDICATE_TYPE,
): void {
  if (statement.predicateType !== expected) {
    throw new ProtocolError(
      ATTEST_CODES.PREDICATE_TYPE_MISMATCH,
      `expected predicateType ${expected}, got ${statement.predicateType}`,
    );
  }
}

/** A sha256 as lowercase hex, 0x-prefixed (the project's certificateHash form) or bare (in-toto's form). */
export function normalizeSha256(digest: string): string {
  if (typeof digest !== "string" || !/^(0x)?[0-9a-f]{64}$/.test(digest)) {
    throw new ProtocolError(ATTEST_CODES.OPTIONS_INVALID, "expected the digest to be 32 bytes of lowercase hex");
  }
  return digest.startsWith("0x") ? digest.slice(2) : digest;
}

/**
 * Checks that the statement has exactly one subject, `certificate.json`, whose sha256 is `expectedDigest` (the
 * certificateHash). `@sigstore/verify` does not look inside the statement: without this step a valid bundle
 * for any other artifact would pass.
 */
export function verifySubjectDigest(statement: InTotoStatement, expectedDigest: string): void {
  const expected = normalizeSha256(expectedDigest);
  if (statement.subject.length !== 1) {
    throw malformed(`expected exactly 1 subject, got ${statement.subject.length}`);
  }
  const [subject] = statement.subject;
  if (subject!.name !== CERTIFICATE_SUBJECT_NAME) {
    throw malformed(`expected the subject to be ${CERTIFICATE_SUBJECT_NAME}, got ${JSON.stringify(subject!.name)}`);
  }
  const got = isRecord(subject!.digest) ? subject!.digest.sha256 : undefined;
  if (got !== expected) {
    throw new ProtocolError(
      ATTEST_CODES.SUBJECT_DIGEST_MISMATCH,
      `expected subject sha256 ${expected}, got ${JSON.stringify(got)}`,
    );
  }
}

/** Checks the step predicate: exactly chainId, market, entitlementId and step, each a string of its pattern. */
export function verifyStepPredicate(statement: InTotoStatement): StepStatement {
  const names = Object.keys(STEP_PREDICATE_FIELDS) as (keyof typeof STEP_PREDICATE_FIELDS)[];
  const keys = Object.keys(statement.predicate).sort();
  if (keys.join() !== [...names].sort().join()) {
    throw malformed(`expected predicate fields ${names.join(", ")}, got ${keys.join(", ")}`);
  }
  for (const name of names) {
    const value = statement.predicate[name];
    if (typeof value !== "string" || !STEP_PREDICATE_FIELDS[name].test(value)) {
      throw malformed(`expected predicate.${name} to match ${String(STEP_PREDICATE_FIELDS[name])}`);
    }
  }
  return statement as unknown as StepStatement;
}
