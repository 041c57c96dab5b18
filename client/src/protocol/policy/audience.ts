import { type Address, isAddress } from "viem";

import { ProtocolError } from "../errors";
import { PolicyErrorCode } from "./codes";
import { describe } from "./schemaError";
import type { PolicyCapsule } from "./types";

/** Checks an address is 20 bytes of hex (all lowercase, or a valid EIP-55 checksum) before it is lowercased. */
function verifyAddress(value: unknown, name: string): asserts value is Address {
  if (typeof value !== "string" || !isAddress(value, { strict: true })) {
    throw new ProtocolError(
      PolicyErrorCode.AudienceInputInvalid,
      `expected ${name} as a 20-byte hex address, got ${describe(value)}`,
    );
  }
}

/** The OIDC audience a runner's token must carry for this market and gateway: `swarm:<chainId>:<market>:<gateway>`. */
export function expectedAudience(chainId: bigint, market: Address, gateway: Address): string {
  if (typeof chainId !== "bigint" || chainId <= 0n) {
    throw new ProtocolError(
      PolicyErrorCode.AudienceInputInvalid,
      `expected a positive bigint chain id, got ${typeof chainId === "bigint" ? chainId.toString() : typeof chainId}`,
    );
  }
  verifyAddress(market, "market");
  verifyAddress(gateway, "gateway");
  return `swarm:${chainId.toString()}:${market.toLowerCase()}:${gateway.toLowerCase()}`;
}

/** Refuses a capsule whose audience is not `expected` (a capsule written for another market or gateway). */
export function verifyPolicyAudience(capsule: PolicyCapsule, expected: string): void {
  if (capsule.identity.audience !== expected) {
    throw new ProtocolError(
      PolicyErrorCode.AudienceMismatch,
      `expected identity.audience ${describe(expected)}, got ${describe(capsule.identity.audience)}`,
    );
  }
}
