import type { Hex } from "viem";

import { sha256Hex } from "../jcs";

/** The policy hash of capsule bytes: sha256 over exactly those bytes, 0x-prefixed lowercase hex. */
export function policyHashOf(bytes: Uint8Array): Hex {
  return sha256Hex(bytes);
}
