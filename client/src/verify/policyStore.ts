import type { Hex } from "viem";

import { type PolicyCapsule, parsePolicyCapsule } from "../protocol/policy";
import { UncheckedCode, VerifyCode } from "./codes";
import { CheckUnchecked, failVerify } from "./failure";

/** Policy capsules a verifier knows, by policy hash. */
export interface PolicyStore {
  get(policyHash: Hex): PolicyCapsule | undefined;
}

/** A store of the given capsule files (JCS bytes); a capsule that does not parse is refused here, at startup. */
export function policyStoreOf(capsules: readonly Uint8Array[]): PolicyStore {
  const byHash = new Map<string, PolicyCapsule>();
  for (const bytes of capsules) {
    const parsed = parsePolicyCapsule(bytes);
    byHash.set(parsed.policyHash.toLowerCase(), parsed.capsule);
  }
  return { get: (hash) => byHash.get(hash.toLowerCase()) };
}

/** Name of an optional capsule file in a step's evidence. */
export const POLICY_FILE = "policy.json";

/**
 * The offer's capsule: from the evidence's policy.json when given (its hash must be the offer's, else
 * FAILURE_POLICY_MISMATCH), else from the store; absent from both, indeterminate, naming the capsule.
 */
export function capsuleFor(policyHash: Hex, store: PolicyStore, evidenceFile: Uint8Array | undefined): PolicyCapsule {
  if (evidenceFile !== undefined) {
    let parsed;
    try {
      parsed = parsePolicyCapsule(evidenceFile);
    } catch (cause) {
      failVerify(VerifyCode.BUNDLE_MALFORMED, `${POLICY_FILE} does not parse`, cause);
    }
    if (parsed.policyHash.toLowerCase() !== policyHash.toLowerCase()) {
      failVerify(VerifyCode.POLICY_MISMATCH, `${POLICY_FILE} hashes to ${parsed.policyHash}, not the offer's`);
    }
    return parsed.capsule;
  }
  const capsule = store.get(policyHash);
  if (capsule === undefined) {
    const what = `the policy capsule ${policyHash}`;
    throw new CheckUnchecked(UncheckedCode.POLICY_CAPSULE_MISSING, `no ${what}`, [what], true);
  }
  return capsule;
}
