import type { Address, Hex } from "viem";

import type { StepAttestation } from "../protocol/eip712";
import { isProtocolError } from "../protocol/errors";
import {
  type StepReport,
  type VerifierClient,
  VerifierRequestError,
  buildAttestationRequest,
  stepAttestationFromJson,
} from "../verify";
import type { MarketRef } from "./consumedStep";
import { KeeperErrorCode, keeperFail } from "./errors";
import type { StepFiles } from "./evidence/source";

/**
 * What a keeper asks a verifier: one consumed step's evidence, its fromStep certificate when fromStep > 0, and the
 * genesis state when fromStep is 0 and the evidence source has it.
 */
export interface AttestationAsk {
  readonly ref: MarketRef;
  readonly entitlementId: bigint;
  readonly step: number;
  readonly files: StepFiles;
  readonly fromCertificate?: Uint8Array;
  readonly genesisState?: Uint8Array;
}

/** A verifier's answer: its signature over a StepAttestation, or why it would not sign. */
export type AttestationAnswer =
  | {
      readonly status: "valid";
      readonly verifier: Address;
      readonly attestation: StepAttestation;
      readonly signature: Hex;
    }
  | { readonly status: "invalid" | "indeterminate"; readonly reason: string };

/** "Give me verifier signatures for this consumed step": one verifier, reached however. */
export interface AttestationSource {
  /** A short name for logs (the service URL's host, "in-process", …); never a secret. */
  readonly name: string;
  /** Asks for a signature; throws KEEPER_VERIFIER_UNAVAILABLE when the verifier cannot answer now. */
  attest(ask: AttestationAsk): Promise<AttestationAnswer>;
}

/** Why a report is not valid, for logs: its code, then the first failed or unchecked check's detail. */
function reasonOf(report: StepReport): string {
  const first = report.checks.find((c) => c.status === "failed" || c.status === "unchecked");
  const detail = first === undefined ? "" : ` (${first.name}${first.detail === undefined ? "" : `: ${first.detail}`})`;
  return `${report.code ?? report.result}${detail}`.slice(0, 512);
}

/** An AttestationSource over a verifier service (`swarm verify serve`), through the SDK's verifier client. */
export function httpAttestationSource(name: string, client: VerifierClient): AttestationSource {
  return {
    name,
    async attest(ask) {
      const request = buildAttestationRequest({
        chainId: ask.ref.chainId,
        market: ask.ref.market,
        entitlementId: ask.entitlementId,
        step: ask.step,
        files: ask.files,
        ...(ask.fromCertificate === undefined ? {} : { fromCertificate: ask.fromCertificate }),
        ...(ask.genesisState === undefined ? {} : { genesisState: ask.genesisState }),
      });
      let answer;
      try {
        answer = await client.attest(request);
      } catch (err) {
        // A 409 (this verifier signed another certificate of the step) will not change on retry: a refusal.
        if (err instanceof VerifierRequestError && err.code === "ATTESTATION_CONFLICT") {
          return { status: "invalid", reason: `${err.code}: ${err.message}` };
        }
        const code = isProtocolError(err) ? err.code : "unknown";
        return keeperFail(KeeperErrorCode.VERIFIER_UNAVAILABLE, `verifier ${name}: ${code}`, err);
      }
      if (answer.status !== "valid") return { status: answer.status, reason: reasonOf(answer.report) };
      return {
        status: "valid",
        verifier: answer.verifier as Address,
        attestation: stepAttestationFromJson(answer.attestation),
        signature: answer.signature as Hex,
      };
    },
  };
}
