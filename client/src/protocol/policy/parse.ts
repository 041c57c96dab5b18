import { POLICY_VERSION } from "./constants";
import {
  decodeBase64url,
  decodePolicyText,
  parsePolicyJson,
  verifyCanonical,
  verifyPolicySize,
  verifyPolicyVersion,
} from "./decode";
import { policyHashOf } from "./hash";
import { policyCapsuleSchema } from "./schema";
import { schemaError } from "./schemaError";
import { verifyNoDuplicates, verifyWorkflowRefRepository } from "./semantics";
import type { ParsedPolicyCapsule, PolicyCapsule } from "./types";

/** Validates a JSON value against the strict capsule schema; throws POLICY_SCHEMA_INVALID naming the path. */
export function verifyPolicySchema(value: unknown): PolicyCapsule {
  const result = policyCapsuleSchema.safeParse(value);
  if (!result.success) throw schemaError(result.error, value);
  const capsule: PolicyCapsule = result.data;
  return capsule;
}

/** Freezes `value` and everything reachable from it, so a parsed capsule cannot drift from its hash. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Parses and validates capsule bytes (JCS, ≤ 64 KiB); returns the frozen capsule and sha256 of the bytes. */
export function parsePolicyCapsule(bytes: Uint8Array): ParsedPolicyCapsule {
  verifyPolicySize(bytes);
  const text = decodePolicyText(bytes);
  const value = parsePolicyJson(text);
  verifyCanonical(value, text);
  verifyPolicyVersion(value, POLICY_VERSION);
  const capsule = verifyPolicySchema(value);
  verifyNoDuplicates(capsule);
  verifyWorkflowRefRepository(capsule.identity);
  return { capsule: deepFreeze(capsule), policyHash: policyHashOf(bytes) };
}

/** Parses a capsule sent as unpadded base64url of its JCS bytes (the gateway's `policy.capsule`). */
export function parsePolicyCapsuleBase64url(text: string): ParsedPolicyCapsule {
  return parsePolicyCapsule(decodeBase64url(text));
}
