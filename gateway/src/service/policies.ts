import type { Hex } from "viem";
import { z } from "zod";

import { ProtocolError } from "../../../client/src/protocol/errors";
import {
  type ParsedPolicyCapsule,
  parsePolicyCapsule,
  parsePolicyCapsuleBase64url,
} from "../../../client/src/protocol/policy";
import { GatewayError } from "../errors";

/** How a request names its policy: the capsule's JCS bytes (base64url), or the hash of one the gateway knows. */
export const policyReference = z.union([
  z.object({ capsule: z.string().min(1).max(100_000) }).strict(),
  z.object({ hash: z.string().regex(/^0x[0-9a-f]{64}$/) }).strict(),
]);

/**
 * Policy capsules by hash: those the operator loaded at start (kept for good) and those runners have sent
 * (bounded, oldest forgotten first, so a flood of capsules cannot grow memory or evict the operator's).
 */
export class PolicyStore {
  private readonly pinned = new Map<Hex, ParsedPolicyCapsule>();
  private readonly byHash = new Map<Hex, ParsedPolicyCapsule>();

  constructor(private readonly maxEntries = 1_000) {}

  /** Loads an operator's capsule from its exact bytes (refused unless canonical and valid). */
  pin(bytes: Uint8Array): ParsedPolicyCapsule {
    const parsed = parsePolicy(() => parsePolicyCapsule(bytes));
    this.pinned.set(parsed.policyHash, parsed);
    return parsed;
  }

  /** Resolves a request's policy reference to a parsed capsule. */
  resolve(reference: z.infer<typeof policyReference>): ParsedPolicyCapsule {
    if ("capsule" in reference) return this.remember(parsePolicy(() => parsePolicyCapsuleBase64url(reference.capsule)));
    const known = this.pinned.get(reference.hash as Hex) ?? this.byHash.get(reference.hash as Hex);
    if (!known) {
      throw new GatewayError("POLICY_UNAVAILABLE", 503, `policy ${reference.hash} is not known here: send the capsule`);
    }
    return known;
  }

  private remember(parsed: ParsedPolicyCapsule): ParsedPolicyCapsule {
    if (!this.pinned.has(parsed.policyHash) && !this.byHash.has(parsed.policyHash)) {
      if (this.byHash.size >= this.maxEntries) {
        const oldest = this.byHash.keys().next().value;
        if (oldest !== undefined) this.byHash.delete(oldest);
      }
      this.byHash.set(parsed.policyHash, parsed);
    }
    return parsed;
  }
}

function parsePolicy(parse: () => ParsedPolicyCapsule): ParsedPolicyCapsule {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ProtocolError) throw new GatewayError(err.code, 400, err.message, { cause: err });
    throw err;
  }
}
