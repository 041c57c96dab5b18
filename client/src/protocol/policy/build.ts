import { ProtocolError } from "../errors";
import { canonicalJson } from "../jcs";
import { PolicyErrorCode } from "./codes";
import { POLICY_VERSION } from "./constants";
import { parsePolicyCapsule } from "./parse";
import type { BuiltPolicyCapsule, PolicyCapsuleInput } from "./types";

/** The design's defaults for the two identity flags a seller may leave out. */
const DEFAULT_REQUIRE_SHA_MATCH = true;
const DEFAULT_ALLOW_UNBOUND_RUNS = false;

/**
 * Builds a capsule's JCS bytes from `input` (filling version and defaults), then parses them back with the
 * same parser every reader uses, so a built capsule is exactly one that parses. Fields `input` carries beyond
 * its type are kept, and so refused, rather than silently dropped.
 */
export function buildPolicyCapsule(input: PolicyCapsuleInput): BuiltPolicyCapsule {
  const draft = {
    version: POLICY_VERSION,
    ...input,
    identity: {
      ...input.identity,
      requireShaMatch: input.identity.requireShaMatch ?? DEFAULT_REQUIRE_SHA_MATCH,
      allowUnboundRuns: input.identity.allowUnboundRuns ?? DEFAULT_ALLOW_UNBOUND_RUNS,
    },
  };
  let text: string;
  try {
    text = canonicalJson(draft);
  } catch (cause) {
    throw new ProtocolError(PolicyErrorCode.SchemaInvalid, "expected JSON values only, got a value JSON cannot hold", {
      cause,
    });
  }
  const bytes = new TextEncoder().encode(text);
  return { bytes, ...parsePolicyCapsule(bytes) };
}
