import { type Address, type Hex, zeroHash } from "viem";
import { z } from "zod";

import { ProtocolError } from "./errors";
import { canonicalJson, sha256Hex } from "./jcs";
import { isGitRef, isJobWorkflowRef, isRepository } from "./policy/grammar";

/*
 * certificate.json: what a runner states about the step it ran. Stored and hashed as its RFC 8785 (JCS) bytes;
 * certificateHash = sha256(bytes) is what verifiers attest and the contract stores. Every field is required,
 * every object closed; integers are decimal strings, bytes lowercase 0x-hex. Non-canonical bytes are refused,
 * never re-canonicalized, so one certificate has exactly one hash.
 */

/** The only certificate version this code reads and writes. */
export const CERTIFICATE_VERSION = "swarm/certificate/v1";
/** Largest certificate accepted, in bytes (a real one is about 1 KiB). */
export const CERTIFICATE_MAX_BYTES = 16_384;
/** prevCertificate of a step that continues from genesis (fromStep 0). */
export const GENESIS_PREV_CERTIFICATE: Hex = zeroHash;

/** Stable codes of certificate parsing and continuity failures. */
export const CertificateErrorCode = {
  TOO_LARGE: "CERTIFICATE_TOO_LARGE",
  ENCODING_INVALID: "CERTIFICATE_ENCODING_INVALID",
  JSON_INVALID: "CERTIFICATE_JSON_INVALID",
  NOT_CANONICAL: "CERTIFICATE_NOT_CANONICAL",
  VERSION_UNSUPPORTED: "CERTIFICATE_VERSION_UNSUPPORTED",
  SCHEMA_INVALID: "CERTIFICATE_SCHEMA_INVALID",
  ENTITLEMENT_MISMATCH: "CERTIFICATE_ENTITLEMENT_MISMATCH",
  FROM_STEP_MISMATCH: "CERTIFICATE_FROM_STEP_MISMATCH",
  PREV_MISMATCH: "CERTIFICATE_PREV_MISMATCH",
  STATE_IN_MISMATCH: "CERTIFICATE_STATE_IN_MISMATCH",
} as const;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const ISSUED_AT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

/** Whether `s` is a canonical decimal string from `min` to below 2^bits. */
function isUint(s: string, bits: number, min: bigint): boolean {
  return DECIMAL.test(s) && s.length <= 78 && BigInt(s) >= min && BigInt(s) < 1n << BigInt(bits);
}
const uint = (bits: number, min = 0n) =>
  z.string().refine((s) => isUint(s, bits, min), { error: `a decimal string from ${min} below 2^${bits}` });
const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of hex`);

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, a real instant (no Feb 30, no month 13), written as toISOString writes it. */
function isIssuedAt(s: string): boolean {
  const ms = ISSUED_AT.test(s) ? Date.parse(s) : Number.NaN;
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s;
}

/** `<owner/name>/.github/workflows/<file>@<ref or commit>`: GitHub's `job_workflow_ref` claim, unchanged. */
export function isJobWorkflowRefAt(s: string): boolean {
  const at = s.lastIndexOf("@");
  if (at < 0 || s.length > 512) return false;
  const ref = s.slice(at + 1);
  return isJobWorkflowRef(s.slice(0, at)) && (isGitRef(ref) || /^[0-9a-f]{40}$/.test(ref));
}

const runSchema = z.strictObject({
  repository: z.string().refine(isRepository, { error: "a GitHub repository owner/name" }),
  repositoryId: uint(64, 1n),
  runId: uint(64, 1n),
  runAttempt: uint(32, 1n),
  jobWorkflowRef: z.string().refine(isJobWorkflowRefAt, { error: "<owner/name>/.github/workflows/<file>@<ref>" }),
  jobWorkflowSha: hex(20),
  sha: hex(20),
});

/** The strict schema of a certificate, relations between fields included. */
const certificateSchema = z
  .strictObject({
    version: z.literal(CERTIFICATE_VERSION),
    market: z.strictObject({ chainId: uint(256, 1n), address: hex(20) }),
    offerId: uint(64, 1n),
    entitlementId: uint(256, 1n),
    step: uint(32, 1n),
    fromStep: uint(32),
    permitDigest: hex(32),
    commit: hex(20),
    policyHash: hex(32),
    run: runSchema,
    stateIn: hex(32),
    stateOut: hex(32),
    result: hex(32),
    nextTokens: hex(32),
    prevCertificate: hex(32),
    issuedAt: z.string().refine(isIssuedAt, { error: "RFC 3339 UTC with milliseconds" }),
  })
  .refine((c) => isUint(c.fromStep, 32, 0n) && isUint(c.step, 32, 1n) && BigInt(c.fromStep) < BigInt(c.step), {
    error: "fromStep below step",
    path: ["fromStep"],
  })
  .refine((c) => (c.fromStep === "0") === (c.prevCertificate === GENESIS_PREV_CERTIFICATE), {
    error: "the zero hash exactly when fromStep is 0",
    path: ["prevCertificate"],
  });

/** A certificate as stored: every value a string in the project encoding. */
export type Certificate = Readonly<z.infer<typeof certificateSchema>>;

/** The job that ran the step, as its OIDC token describes it. */
export interface RunIdentity {
  readonly repository: string;
  readonly repositoryId: string;
  readonly runId: bigint;
  readonly runAttempt: number;
  /** The `job_workflow_ref` claim, with its `@ref`. */
  readonly jobWorkflowRef: string;
  readonly jobWorkflowSha: Hex;
  readonly sha: Hex;
}

/** What buildCertificate takes: typed values, encoded by it. */
export interface CertificateInput {
  readonly market: { readonly chainId: bigint; readonly address: Address };
  readonly offerId: bigint;
  readonly entitlementId: bigint;
  readonly step: number;
  readonly fromStep: number;
  readonly permitDigest: Hex;
  readonly commit: Hex;
  readonly policyHash: Hex;
  readonly run: RunIdentity;
  /** sha256 of the exact compact JWE bytes of the input state, the output state, the result, the next tokens. */
  readonly stateIn: Hex;
  readonly stateOut: Hex;
  readonly result: Hex;
  readonly nextTokens: Hex;
  /** certificateHash of the fromStep certificate; GENESIS_PREV_CERTIFICATE when fromStep is 0. */
  readonly prevCertificate: Hex;
  readonly issuedAt: Date;
}

/** A built certificate: its JCS bytes (what is written, attested and hashed), their hash and the parsed form. */
export interface BuiltCertificate {
  readonly certificate: Certificate;
  readonly bytes: Uint8Array;
  readonly certificateHash: Hex;
}

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** certificateHash: sha256 over exactly the certificate's bytes, 0x lowercase hex. */
export function certificateHash(bytes: Uint8Array): Hex {
  return sha256Hex(bytes);
}

/** Encodes a certificate as JCS bytes and parses its own output with the reader's parser. */
export function buildCertificate(input: CertificateInput): BuiltCertificate {
  const lower = (h: string) => h.toLowerCase();
  const value = {
    version: CERTIFICATE_VERSION,
    market: { chainId: input.market.chainId.toString(), address: lower(input.market.address) },
    offerId: input.offerId.toString(),
    entitlementId: input.entitlementId.toString(),
    step: input.step.toString(),
    fromStep: input.fromStep.toString(),
    permitDigest: lower(input.permitDigest),
    commit: lower(input.commit),
    policyHash: lower(input.policyHash),
    run: {
      ...input.run,
      runId: input.run.runId.toString(),
      runAttempt: input.run.runAttempt.toString(),
      jobWorkflowSha: lower(input.run.jobWorkflowSha),
      sha: lower(input.run.sha),
    },
    stateIn: lower(input.stateIn),
    stateOut: lower(input.stateOut),
    result: lower(input.result),
    nextTokens: lower(input.nextTokens),
    prevCertificate: lower(input.prevCertificate),
    issuedAt: input.issuedAt.toISOString(),
  };
  const bytes = new TextEncoder().encode(canonicalJson(value));
  return { certificate: parseCertificate(bytes), bytes, certificateHash: certificateHash(bytes) };
}

/** The text of certificate bytes: size-bounded, strict UTF-8 (a byte order mark is kept, so refused later). */
function certificateText(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) fail(CertificateErrorCode.ENCODING_INVALID, "expected certificate bytes");
  if (bytes.byteLength > CERTIFICATE_MAX_BYTES) {
    fail(CertificateErrorCode.TOO_LARGE, `expected at most ${CERTIFICATE_MAX_BYTES} bytes, got ${bytes.byteLength}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    fail(CertificateErrorCode.ENCODING_INVALID, "expected UTF-8 bytes, got a malformed sequence", cause);
  }
}

/**
 * Parses certificate bytes, cheapest check first: size, UTF-8, JSON, canonical (JCS) form, version, then the
 * strict schema (unknown or missing fields, encodings, fromStep < step, prevCertificate zero exactly at genesis).
 */
export function parseCertificate(bytes: Uint8Array): Certificate {
  const text = certificateText(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    fail(CertificateErrorCode.JSON_INVALID, "expected a JSON document", cause);
  }
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(value);
  } catch {
    canonical = undefined;
  }
  if (canonical !== text) fail(CertificateErrorCode.NOT_CANONICAL, "expected RFC 8785 (JCS) canonical JSON");
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== CERTIFICATE_VERSION) {
    fail(CertificateErrorCode.VERSION_UNSUPPORTED, `expected version ${CERTIFICATE_VERSION}`);
  }
  const parsed = certificateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join(".") || "the certificate";
    fail(CertificateErrorCode.SCHEMA_INVALID, `expected ${issue.message} at ${path}`, parsed.error);
  }
  const certificate = parsed.data;
  Object.freeze(certificate.market);
  Object.freeze(certificate.run);
  return Object.freeze(certificate);
}

/**
 * Checks that `cert` continues `prev` (whose bytes hash to `prevHash`): same market, offer, entitlement, commit
 * and policy; fromStep = prev.step; prevCertificate = prevHash; stateIn = prev.stateOut.
 */
export function verifyContinuity(cert: Certificate, prev: Certificate, prevHash: Hex): void {
  const same =
    cert.market.chainId === prev.market.chainId &&
    cert.market.address === prev.market.address &&
    cert.offerId === prev.offerId &&
    cert.entitlementId === prev.entitlementId &&
    cert.commit === prev.commit &&
    cert.policyHash === prev.policyHash;
  if (!same) fail(CertificateErrorCode.ENTITLEMENT_MISMATCH, "expected the same market, offer and entitlement");
  if (cert.fromStep !== prev.step) {
    fail(CertificateErrorCode.FROM_STEP_MISMATCH, `expected fromStep ${prev.step}, got ${cert.fromStep}`);
  }
  if (cert.prevCertificate !== prevHash.toLowerCase()) {
    fail(CertificateErrorCode.PREV_MISMATCH, "expected prevCertificate to be the fromStep certificate's hash");
  }
  if (cert.stateIn !== prev.stateOut) {
    fail(CertificateErrorCode.STATE_IN_MISMATCH, "expected stateIn to be the fromStep certificate's stateOut");
  }
}

/** Checks that a certificate continuing from genesis names the genesis state (sha256 of its ciphertext). */
export function verifyGenesisContinuity(cert: Certificate, genesisStateHash: Hex): void {
  if (cert.fromStep !== "0") fail(CertificateErrorCode.FROM_STEP_MISMATCH, `expected fromStep 0, got ${cert.fromStep}`);
  if (cert.prevCertificate !== GENESIS_PREV_CERTIFICATE) {
    fail(CertificateErrorCode.PREV_MISMATCH, "expected a zero prevCertificate at genesis");
  }
  if (cert.stateIn !== genesisStateHash.toLowerCase()) {
    fail(CertificateErrorCode.STATE_IN_MISMATCH, "expected stateIn to be the genesis state's hash");
  }
}
