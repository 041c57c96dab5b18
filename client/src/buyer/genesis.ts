/**
 * The genesis state: the buyer's initial state, encrypted under stateKey(0) as the step-0 state bundle
 * (`client/src/protocol/stateBundle.ts`: compact JWE, dir/A256GCM, header step "0" and a zero permit digest).
 */
import type { Hex } from "viem";

import type { MarketReader } from "../chain/clients";
import type { GatewayClient } from "../gateway/client";
import { sha256Hex } from "../protocol/jcs";
import { encryptGenesisState } from "../protocol/stateBundle";
import { type StateKeysInput, requestStateKeys, stateKeyOf } from "./stateKeys";

/** The sealed genesis state: the JWE to hand to step 1, sha256 of its bytes, and the gateway's receipt. */
export interface GenesisState {
  readonly jwe: string;
  /** sha256 of the JWE's bytes (the `stateIn` a step-1 certificate will carry). */
  readonly sha256: Hex;
  readonly receiptSeq: string;
}

/**
 * Fetches stateKey(0) from the gateway (signed by the buyer) and encrypts the initial state as the genesis
 * bundle. `maxBytes` is the policy's `limits.maxStateBytes`: a larger state is refused (`STATE_TOO_LARGE`).
 */
export async function seedGenesisState(
  reader: MarketReader,
  gateway: GatewayClient,
  input: Omit<StateKeysInput, "fromStep" | "toStep"> & { readonly state: Uint8Array; readonly maxBytes: number },
): Promise<GenesisState> {
  const { state, maxBytes, ...rest } = input;
  const keys = await requestStateKeys(reader, gateway, { ...rest, fromStep: 0, toStep: 0 });
  const jwe = await encryptGenesisState(state, stateKeyOf(keys, 0), input.entitlementId, maxBytes);
  return { jwe, sha256: sha256Hex(jwe), receiptSeq: keys.receiptSeq };
}
