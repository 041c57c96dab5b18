import { type Address, type Hex, recoverTypedDataAddress } from "viem";

import { marketDomain, stepAttestationTypes } from "../../protocol/eip712";
import { ProtocolError } from "../../protocol/errors";
import {
  ATTESTATIONS_PATH,
  type AttestationRequest,
  type AttestationResponse,
  HEALTH_PATH,
  type VerifierHealth,
  attestationRefusedSchema,
  attestationValidSchema,
  serviceErrorSchema,
  stepAttestationFromJson,
  verifierHealthSchema,
} from "./api";

/** The verifier service answered with an error (or could not be reached: status 0); `code` is stable. */
export class VerifierRequestError extends ProtocolError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Codes the client itself raises. */
export const VerifierClientErrorCode = {
  UNREACHABLE: "VERIFIER_UNREACHABLE",
  RESPONSE_INVALID: "VERIFIER_RESPONSE_INVALID",
  SIGNATURE_INVALID: "VERIFIER_SIGNATURE_INVALID",
} as const;

/** A typed client of a verifier service. */
export interface VerifierClient {
  /**
   * Asks the verifier to verify a step and, when valid, sign its StepAttestation. A 200 answer's signature is
   * checked to recover to the answer's `verifier` in the request's market domain before it is returned; a 422
   * answer is returned as the refusal it is; any other answer throws VerifierRequestError.
   */
  attest(request: AttestationRequest): Promise<AttestationResponse>;
  /** The service's health: its verifier address, chain and markets. */
  health(): Promise<VerifierHealth>;
}

/** Default per-request timeout, in milliseconds (verification reads the chain and may take a while). */
export const VERIFIER_CLIENT_TIMEOUT_MS = 60_000;

/** Creates a client of the verifier service at `baseUrl` (no trailing slash). `fetch` is passed in. */
export function createVerifierClient(
  baseUrl: string,
  fetchImpl: typeof fetch,
  options: { timeoutMs?: number } = {},
): VerifierClient {
  const timeoutMs = options.timeoutMs ?? VERIFIER_CLIENT_TIMEOUT_MS;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new VerifierRequestError(
        VerifierClientErrorCode.UNREACHABLE,
        `cannot reach the verifier at ${baseUrl}`,
        0,
        { cause },
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (cause) {
      throw new VerifierRequestError(
        VerifierClientErrorCode.RESPONSE_INVALID,
        `expected JSON from the verifier (HTTP ${res.status})`,
        res.status,
        { cause },
      );
    }
    return { status: res.status, json };
  }

  function errorOf(status: number, json: unknown): VerifierRequestError {
    const parsed = serviceErrorSchema.safeParse(json);
    if (parsed.success) return new VerifierRequestError(parsed.data.code, parsed.data.message, status);
    return new VerifierRequestError(
      VerifierClientErrorCode.RESPONSE_INVALID,
      `unexpected answer from the verifier (HTTP ${status})`,
      status,
    );
  }

  return {
    async attest(request) {
      const { status, json } = await call("POST", ATTESTATIONS_PATH, request);
      if (status === 200) {
        const parsed = attestationValidSchema.safeParse(json);
        if (!parsed.success) {
          throw new VerifierRequestError(
            VerifierClientErrorCode.RESPONSE_INVALID,
            "expected a valid attestation answer",
            status,
          );
        }
        const a = parsed.data;
        const matches =
          a.chainId === request.chainId &&
          a.market === request.market &&
          a.attestation.entitlementId === request.entitlementId &&
          a.attestation.step === request.step.toString();
        if (!matches) {
          throw new VerifierRequestError(
            VerifierClientErrorCode.RESPONSE_INVALID,
            "the verifier attested another step than the one asked for",
            status,
          );
        }
        const signer = await recoverTypedDataAddress({
          domain: marketDomain(BigInt(a.chainId), a.market as Address),
          types: stepAttestationTypes,
          primaryType: "StepAttestation",
          message: stepAttestationFromJson(a.attestation),
          signature: a.signature as Hex,
        }).catch(() => undefined);
        if (signer?.toLowerCase() !== a.verifier) {
          throw new VerifierRequestError(
            VerifierClientErrorCode.SIGNATURE_INVALID,
            "the attestation signature does not recover to the verifier's address",
            status,
          );
        }
        return a;
      }
      if (status === 422) {
        const parsed = attestationRefusedSchema.safeParse(json);
        if (parsed.success) return parsed.data;
      }
      throw errorOf(status, json);
    },
    async health() {
      const { status, json } = await call("GET", HEALTH_PATH);
      if (status !== 200) throw errorOf(status, json);
      const parsed = verifierHealthSchema.safeParse(json);
      if (!parsed.success) {
        throw new VerifierRequestError(VerifierClientErrorCode.RESPONSE_INVALID, "expected a health answer", status);
      }
      return parsed.data;
    },
  };
}
