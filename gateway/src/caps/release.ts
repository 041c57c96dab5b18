import type { Hex } from "viem";

import { CAPS_TYP, type CapsHeader, type CapsPayload } from "../../../client/src/protocol/caps";
import type { WorkerJwk } from "../../../client/src/protocol/keys";
import { GatewayError } from "../errors";
import { encryptToRecipient } from "./recipient";

/** One step's caps and the facts that bind them, ready to encrypt. */
export interface CapsRelease {
  /** The runner's key, whose thumbprint equals the consumed permit's workerKey. */
  readonly workerJwk: WorkerJwk;
  readonly entitlementId: bigint;
  readonly step: number;
  readonly permitDigest: Hex;
  readonly kv: number;
  readonly payload: {
    readonly stateCapIn: Hex;
    readonly stateCapOut: Hex;
    readonly netCap: string;
    /** Epoch seconds. */
    readonly expiresAt: bigint;
  };
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

function invalid(message: string): never {
  throw new GatewayError("CAPS_DERIVATION_INPUT_INVALID", 500, message);
}

/** The protected header binding a caps JWE to its entitlement, step, permit and secret version. */
export function capsHeader(release: CapsRelease): CapsHeader {
  if (release.entitlementId < 0n) invalid("expected a non-negative entitlement id");
  if (!Number.isInteger(release.step) || release.step < 1) invalid(`expected a step ≥ 1, got ${release.step}`);
  if (!BYTES32.test(release.permitDigest)) invalid("expected a lowercase bytes32 permit digest");
  if (!Number.isSafeInteger(release.kv) || release.kv < 0) invalid(`expected kv ≥ 0, got ${release.kv}`);
  return {
    typ: CAPS_TYP,
    entitlementId: release.entitlementId.toString(),
    step: release.step.toString(),
    permitDigest: release.permitDigest,
    kv: release.kv.toString(),
  };
}

/** The JWE plaintext: caps as lowercase bytes32 hex, the netCap JWS, expiresAt as decimal epoch seconds. */
export function capsPayload(release: CapsRelease): CapsPayload {
  const { stateCapIn, stateCapOut, netCap, expiresAt } = release.payload;
  if (!BYTES32.test(stateCapIn) || !BYTES32.test(stateCapOut)) invalid("expected caps as lowercase bytes32 hex");
  if (netCap.split(".").length !== 3) invalid("expected the netCap as a compact JWS");
  if (expiresAt < 1n) invalid("expected expiresAt in epoch seconds");
  return { stateCapIn, stateCapOut, netCap, expiresAt: expiresAt.toString() };
}

/**
 * Encrypts a step's caps to the runner's worker key: compact JWE (ECDH-ES+A256KW, X25519, A256GCM) whose protected
 * header carries typ, entitlementId, step, permitDigest and kv, so the runner can refuse caps meant for another step.
 */
export async function encryptCaps(release: CapsRelease): Promise<string> {
  const header = capsHeader(release);
  return encryptToRecipient(release.workerJwk, { ...header }, capsPayload(release));
}
