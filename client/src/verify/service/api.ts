import { type Address, type Hex } from "viem";
import { z } from "zod";

import type { StepAttestation } from "../../protocol/eip712";
import { stepReportSchema } from "../report";

/*
 * The verifier service's HTTP API (`swarm verify serve`), which keepers call.
 *
 *   POST /v1/attestations   AttestationRequest → 200 AttestationValid | 422 AttestationRefused
 *                           | 4xx/5xx ServiceError
 *   GET  /healthz           → 200 VerifierHealth
 *
 * Strict parsing everywhere (unknown keys refused), every integer a decimal string, hex lowercase. The body is
 * limited (ATTESTATION_REQUEST_MAX_BYTES); evidence files are base64 (RFC 4648, padded, standard alphabet).
 * The service signs only a `valid` step, and never a second, different certificate of one (chain, market,
 * entitlement, step): that is 409 ATTESTATION_CONFLICT.
 */

/** Path of the attestation endpoint. */
export const ATTESTATIONS_PATH = "/v1/attestations";
/** Path of the health endpoint. */
export const HEALTH_PATH = "/healthz";
/** Default limit on a request body, in bytes. */
export const ATTESTATION_REQUEST_MAX_BYTES = 16 * 1024 * 1024;
/** At most this many evidence files per request. */
export const ATTESTATION_REQUEST_MAX_FILES = 16;

/** Stable codes of the service's error answers (`{ code, message }`), with their HTTP status. */
export const VerifierServiceErrorCode = {
  /** 400: the body is not JSON, or does not match the schema. */
  REQUEST_INVALID: "VERIFY_REQUEST_INVALID",
  /** 413: the body is larger than the service accepts. */
  REQUEST_TOO_LARGE: "VERIFY_REQUEST_TOO_LARGE",
  /** 415: the body is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: "VERIFY_UNSUPPORTED_MEDIA_TYPE",
  /** 404 / 405: no such route or method. */
  NOT_FOUND: "VERIFY_NOT_FOUND",
  /** 400: the chain id or market is not one this service verifies for. */
  MARKET_NOT_SERVED: "VERIFY_MARKET_NOT_SERVED",
  /** 409: this verifier already attested a different certificate for the same step. */
  ATTESTATION_CONFLICT: "ATTESTATION_CONFLICT",
  /** 503: a dependency (the chain RPC, the attestation store) is unavailable; retry later. */
  UNAVAILABLE: "VERIFY_UNAVAILABLE",
  /** 500: an unexpected failure; nothing was signed. */
  INTERNAL: "VERIFY_INTERNAL",
} as const;

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Evidence file names: a flat name of the step folder, no path separators, no leading dot. */
export const EVIDENCE_FILE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

const decimal = (bits: number) =>
  z
    .string()
    .regex(DECIMAL, "a decimal string")
    .max(78)
    .refine((s) => BigInt(s) < 1n << BigInt(bits), { error: `below 2^${bits}` });
const address = z.string().regex(/^0x[0-9a-f]{40}$/, "a lowercase 0x address");
const base64 = z.string().regex(BASE64, "standard padded base64");
const hexBytes = (n: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${n * 2}}$`), `${n} bytes of 0x hex`);

/** POST /v1/attestations: one step's evidence folder, the fromStep certificate when fromStep > 0, the genesis state. */
export const attestationRequestSchema = z.strictObject({
  chainId: decimal(256),
  market: address,
  entitlementId: decimal(256),
  step: z.number().int().min(1).max(0xffffffff),
  files: z
    .record(z.string().regex(EVIDENCE_FILE_NAME, "a flat evidence file name"), base64)
    .refine((f) => Object.keys(f).length <= ATTESTATION_REQUEST_MAX_FILES, { error: "too many files" })
    .refine((f) => "certificate.json" in f && "certificate.sigstore.json" in f, {
      error: "certificate.json and certificate.sigstore.json are required",
    }),
  /** The fromStep's certificate.json bytes (base64); required when the certificate's fromStep > 0. */
  fromCertificate: base64.optional(),
  /**
   * The buyer's genesis state ciphertext (`<entitlementId>/0/state.jwe`, base64), for a step from genesis: when sent,
   * stateIn must be its sha256 (else invalid, FAILURE_CONTINUITY_BROKEN); when absent, that check is reported
   * unchecked (non-blocking). Ignored for a step whose fromStep > 0.
   */
  genesisState: base64.optional(),
});

/** The body of POST /v1/attestations. */
export type AttestationRequest = z.infer<typeof attestationRequestSchema>;

/** A StepAttestation on the wire: every field a string (decimal or lowercase hex). */
export const stepAttestationJsonSchema = z.strictObject({
  entitlementId: decimal(256),
  step: decimal(32),
  permitDigest: hexBytes(32),
  certificateHash: hexBytes(32),
  prevCertificateHash: hexBytes(32),
  commit: hexBytes(20),
  policyHash: hexBytes(32),
});

/** A StepAttestation's JSON form. */
export type StepAttestationJson = z.infer<typeof stepAttestationJsonSchema>;

/** 200: the step verified as valid; the verifier's EIP-712 signature over `attestation` in the market's domain. */
export const attestationValidSchema = z.strictObject({
  status: z.literal("valid"),
  chainId: decimal(256),
  market: address,
  verifier: address,
  attestation: stepAttestationJsonSchema,
  /** 65-byte ECDSA signature (r ‖ s ‖ v), low-s. */
  signature: hexBytes(65),
  /** True when this exact attestation had been signed before and was returned from the record store. */
  repeated: z.boolean(),
  report: stepReportSchema,
});

/** 422: the step did not verify as valid; nothing was signed. */
export const attestationRefusedSchema = z.strictObject({
  status: z.enum(["invalid", "indeterminate"]),
  report: stepReportSchema,
});

/** Every error answer. */
export const serviceErrorSchema = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(2048),
});

/** GET /healthz. */
export const verifierHealthSchema = z.strictObject({
  status: z.literal("ok"),
  verifier: address,
  chainId: decimal(256),
  /** The markets this service verifies for. */
  markets: z.array(address),
  /** Whether chain facts come from an RPC (true) or only from recorded evidence (false). */
  chainFacts: z.enum(["rpc", "recorded"]),
});

/** A 200 answer. */
export type AttestationValid = z.infer<typeof attestationValidSchema>;
/** A 422 answer. */
export type AttestationRefused = z.infer<typeof attestationRefusedSchema>;
/** What POST /v1/attestations answers when it answers with a verification outcome. */
export type AttestationResponse = AttestationValid | AttestationRefused;
/** An error answer. */
export type ServiceError = z.infer<typeof serviceErrorSchema>;
/** A health answer. */
export type VerifierHealth = z.infer<typeof verifierHealthSchema>;

/** A StepAttestation's JSON form (decimal strings, lowercase hex). */
export function stepAttestationToJson(a: StepAttestation): StepAttestationJson {
  return {
    entitlementId: a.entitlementId.toString(),
    step: a.step.toString(),
    permitDigest: a.permitDigest.toLowerCase(),
    certificateHash: a.certificateHash.toLowerCase(),
    prevCertificateHash: a.prevCertificateHash.toLowerCase(),
    commit: a.commit.toLowerCase(),
    policyHash: a.policyHash.toLowerCase(),
  };
}

/** The typed StepAttestation of a JSON form that already passed `stepAttestationJsonSchema`. */
export function stepAttestationFromJson(j: StepAttestationJson): StepAttestation {
  return {
    entitlementId: BigInt(j.entitlementId),
    step: Number(j.step),
    permitDigest: j.permitDigest as Hex,
    certificateHash: j.certificateHash as Hex,
    prevCertificateHash: j.prevCertificateHash as Hex,
    commit: j.commit as Hex,
    policyHash: j.policyHash as Hex,
  };
}

/**
 * Builds a request body from raw bytes: a step folder's files by name, the fromStep certificate if any, and the
 * genesis state if at hand (a step from genesis).
 */
export function buildAttestationRequest(input: {
  chainId: bigint;
  market: Address;
  entitlementId: bigint;
  step: number;
  files: Readonly<Record<string, Uint8Array>>;
  fromCertificate?: Uint8Array;
  genesisState?: Uint8Array;
}): AttestationRequest {
  const files: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(input.files)) files[name] = Buffer.from(bytes).toString("base64");
  return {
    chainId: input.chainId.toString(),
    market: input.market.toLowerCase(),
    entitlementId: input.entitlementId.toString(),
    step: input.step,
    files,
    ...(input.fromCertificate === undefined
      ? {}
      : { fromCertificate: Buffer.from(input.fromCertificate).toString("base64") }),
    ...(input.genesisState === undefined ? {} : { genesisState: Buffer.from(input.genesisState).toString("base64") }),
  };
}
