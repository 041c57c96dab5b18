import type { KeyObject } from "node:crypto";

import { HYBRID_CODES, hybridError } from "./codes";
import {
  type HybridEnvelope,
  envelopePae,
  verifyEd25519Part,
  verifyHybridShape,
  verifyMlDsaPart,
} from "./hybridEnvelope";

/** The keys a verifier pins and what it demands. */
export interface HybridPolicy {
  ed25519: KeyObject;
  /** The pinned ML-DSA-65 public key, when the verifier has one. */
  mlDsa?: Uint8Array;
  /** Demand both signatures: an envelope without ML-DSA, or no ML-DSA key to check it with, fails. */
  requireHybrid: boolean;
}

/** What was checked: Ed25519 always; ML-DSA `valid`, `absent` (not signed hybrid) or `unchecked` (no key given). */
export interface HybridResult {
  ed25519: "valid";
  mlDsa: "valid" | "absent" | "unchecked";
}

/**
 * Verifies an envelope's signatures under a hybrid policy, in order: the signatures array has the hybrid shape;
 * the Ed25519 signature is the pinned key's; with `requireHybrid`, the ML-DSA signature and a pinned ML-DSA key
 * are present; when both are, the ML-DSA signature is the pinned key's. Both cover the same DSSE PAE, so stripping
 * the ML-DSA signature is caught only by `requireHybrid`, and swapping either one breaks its own check.
 */
export function verifyHybridEnvelope(envelope: HybridEnvelope, policy: HybridPolicy): HybridResult {
  const signatures = verifyHybridShape(envelope.signatures);
  const message = envelopePae(envelope);
  verifyEd25519Part(envelope, policy.ed25519, message);
  const hybrid = signatures.length === 2;
  if (policy.requireHybrid && !hybrid) {
    throw hybridError(HYBRID_CODES.SIGNATURE_MISSING, "expected an ML-DSA-65 signature beside Ed25519 (requireHybrid)");
  }
  if (!hybrid) return { ed25519: "valid", mlDsa: "absent" };
  if (policy.mlDsa === undefined) {
    if (policy.requireHybrid) throw hybridError(HYBRID_CODES.KEY_MISSING, "expected a pinned ML-DSA-65 key");
    return { ed25519: "valid", mlDsa: "unchecked" };
  }
  verifyMlDsaPart(envelope, policy.mlDsa, message);
  return { ed25519: "valid", mlDsa: "valid" };
}
