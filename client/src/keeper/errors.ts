import { ProtocolError } from "../protocol/errors";

/** Stable codes of the keeper's own failures (chain reverts keep the chain's `MARKET_…` codes). */
export const KeeperErrorCode = {
  /** The cursor file does not parse, or is for another chain or market. */
  CURSOR_INVALID: "KEEPER_CURSOR_INVALID",
  /** A block the cursor already passed has another hash now: a reorg deeper than the confirmation depth. */
  REORG_DETECTED: "KEEPER_REORG_DETECTED",
  /** The consumed permit could not be rebuilt from the consume transaction (digest mismatch or unknown call). */
  PERMIT_UNRECOVERABLE: "KEEPER_PERMIT_UNRECOVERABLE",
  /** A step's evidence is not (yet) available from the evidence source. */
  EVIDENCE_MISSING: "KEEPER_EVIDENCE_MISSING",
  /** The evidence source answered with something that is not what its API promises. */
  EVIDENCE_INVALID: "KEEPER_EVIDENCE_INVALID",
  /** The evidence source could not be reached or answered with a server error. */
  EVIDENCE_UNAVAILABLE: "KEEPER_EVIDENCE_UNAVAILABLE",
  /** An artifact zip is malformed, too large, or uses a feature the reader refuses. */
  ZIP_INVALID: "KEEPER_ZIP_INVALID",
  /** A verifier could not be reached or answered outside its API. */
  VERIFIER_UNAVAILABLE: "KEEPER_VERIFIER_UNAVAILABLE",
  /** A verifier's signature does not recover to it, or it is not one of the offer's verifiers. */
  SIGNATURE_INVALID: "KEEPER_SIGNATURE_INVALID",
  /** A verifier signed an attestation other than the one the chain and evidence call for. */
  ATTESTATION_MISMATCH: "KEEPER_ATTESTATION_MISMATCH",
  /** Fewer valid verifier signatures than the offer's quorum. */
  QUORUM_NOT_REACHED: "KEEPER_QUORUM_NOT_REACHED",
  /** The keeper's configuration is incomplete or malformed. */
  CONFIG_INVALID: "KEEPER_CONFIG_INVALID",
} as const;

/** Throws a keeper failure. */
export function keeperFail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}
