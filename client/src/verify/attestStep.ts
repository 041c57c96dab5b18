import type { Address } from "viem";

import { ProtocolError } from "../protocol/errors";
import type { TypedDataSigner } from "../signer";
import { type SignedAttestation, signAttestationOnce } from "./attestationStore";
import type { StepVerification } from "./verifyStep";

/** Codes of refusals to sign. */
export const AttestRefusalCode = {
  /** The step did not verify as valid: nothing is signed. */
  NOT_VALID: "ATTESTATION_NOT_VALID",
  /** The chain facts were recorded, not read from an RPC: a verifier signs only what it confirmed on-chain. */
  CHAIN_UNCONFIRMED: "ATTESTATION_CHAIN_UNCONFIRMED",
} as const;

/**
 * Signs the StepAttestation of a verification when, and only when, it is `valid` against chain facts read from
 * an RPC, at most once per step (the record store in `storeDir` refuses a second certificate).
 */
export async function attestVerifiedStep(
  verification: StepVerification,
  options: { storeDir: string; signer: TypedDataSigner; chainId: bigint; market: Address },
): Promise<SignedAttestation> {
  const attestation = verification.attestation;
  if (verification.report.result !== "valid" || attestation === undefined) {
    throw new ProtocolError(AttestRefusalCode.NOT_VALID, `the step is ${verification.report.result}, not valid`);
  }
  if (verification.chainSource !== "rpc") {
    throw new ProtocolError(AttestRefusalCode.CHAIN_UNCONFIRMED, "an attestation needs chain facts from an RPC");
  }
  return signAttestationOnce(options.storeDir, options.signer, options.chainId, options.market, attestation);
}
