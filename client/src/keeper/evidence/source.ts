import type { ConsumedStep } from "../consumedStep";

/** A step's evidence files by flat name (certificate.json, certificate.sigstore.json, the output ciphertexts). */
export type StepFiles = Readonly<Record<string, Uint8Array>>;

/** Where a keeper reads a consumed step's evidence from (a folder, GitHub's REST API, …). */
export interface EvidenceSource {
  /** A short name for logs ("folder", "github"). */
  readonly kind: string;
  /**
   * The files of the step's evidence folder; certificate.json and certificate.sigstore.json at least. Throws
   * KEEPER_EVIDENCE_MISSING while they are not available (yet), KEEPER_EVIDENCE_UNAVAILABLE when the source
   * cannot be reached, KEEPER_EVIDENCE_INVALID when it answers outside its API.
   */
  stepFiles(step: ConsumedStep): Promise<StepFiles>;
  /**
   * The buyer's genesis state ciphertext (`<entitlementId>/0/state.jwe`) for a step whose fromStep is 0, sent to
   * the verifiers so that they check stateIn against it; undefined when the source has none (the verifiers then
   * report that check unchecked, non-blocking). Throws like `stepFiles` when the source fails.
   */
  genesisState?(step: ConsumedStep): Promise<Uint8Array | undefined>;
}

/** The genesis folder's state file: `<entitlementId>/0/state.jwe`. */
export const GENESIS_STATE_FILE = "state.jwe";

/** Evidence file names: flat, lowercase, no leading dot (the verifier service's rule). */
export const EVIDENCE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** At most this many files per step, and this many bytes each: the verifier service's limits. */
export const EVIDENCE_MAX_FILES = 16;
export const EVIDENCE_MAX_FILE_BYTES = 4 * 1024 * 1024;
/** The two files without which a step cannot be verified. */
export const REQUIRED_EVIDENCE = ["certificate.json", "certificate.sigstore.json"] as const;
