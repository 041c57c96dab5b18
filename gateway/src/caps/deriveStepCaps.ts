import { type Address, type Hex, bytesToHex } from "viem";

import type { Clock } from "../../../client/src/protocol/clock";
import { GatewayError } from "../errors";
import { chainKey, stateKey } from "./derive";
import { type NetCapSigningKey, signNetCap } from "./netcap";
import { type MasterSecret, selectSecret } from "./secrets";

/** The chain facts of one consumed step, as read from the chain (never from the caller). */
export interface ConsumedStepFacts {
  readonly chainId: bigint;
  readonly market: Address;
  /** This gateway's address (the netCap issuer). */
  readonly gateway: Address;
  readonly entitlementId: bigint;
  /** Block the entitlement was purchased in: selects the master secret version. */
  readonly purchaseBlock: bigint;
  readonly step: number;
  readonly fromStep: number;
  /** Epoch seconds of the consume transaction's block. */
  readonly consumedAt: bigint;
  /** The offer's stepTimeout, seconds. */
  readonly stepTimeout: bigint;
  readonly permitDigest: Hex;
}

/** Everything deriveStepCaps needs besides the chain facts. */
export interface StepCapsContext {
  readonly secrets: readonly MasterSecret[];
  /** The policy capsule's egress rules, copied into the netCap. */
  readonly routes: readonly object[];
  readonly netCapKey: NetCapSigningKey;
  readonly clock: Clock;
}

/** One step's caps, derived on demand: never stored. */
export interface StepCaps {
  readonly kv: number;
  readonly stateCapIn: Hex;
  readonly stateCapOut: Hex;
  readonly netCap: string;
  /** consumedAt + stepTimeout, epoch seconds. */
  readonly expiresAt: bigint;
}

/** Checks the step numbering the derivation relies on: 0 ≤ fromStep < step ≤ 2^32 − 1. */
export function verifyStepOrder(step: number, fromStep: number): void {
  const ok = Number.isInteger(step) && Number.isInteger(fromStep) && fromStep >= 0 && fromStep < step;
  if (!ok || step > 0xffff_ffff) {
    throw new GatewayError(
      "CAPS_DERIVATION_INPUT_INVALID",
      500,
      `expected 0 ≤ fromStep < step, got ${fromStep}, ${step}`,
    );
  }
}

/**
 * Derives a consumed step's caps: the secret in force at the purchase block, stateCapIn = stateKey(fromStep),
 * stateCapOut = stateKey(step), and a netCap expiring at consumedAt + stepTimeout. Refuses (`CAPS_STEP_EXPIRED`,
 * 403) once that moment has passed.
 */
export async function deriveStepCaps(facts: ConsumedStepFacts, context: StepCapsContext): Promise<StepCaps> {
  verifyStepOrder(facts.step, facts.fromStep);
  const expiresAt = facts.consumedAt + facts.stepTimeout;
  const { kv, secret } = selectSecret(context.secrets, facts.purchaseBlock);
  const netCap = await signNetCap(
    {
      chainId: facts.chainId,
      market: facts.market,
      gateway: facts.gateway,
      entitlementId: facts.entitlementId,
      step: facts.step,
      routes: context.routes,
      permitDigest: facts.permitDigest,
      notAfter: expiresAt,
    },
    context.netCapKey,
    context.clock,
  );
  const key = chainKey(secret, facts.chainId, facts.market, facts.entitlementId);
  try {
    return {
      kv,
      stateCapIn: bytesToHex(stateKey(key, facts.fromStep)),
      stateCapOut: bytesToHex(stateKey(key, facts.step)),
      netCap,
      expiresAt,
    };
  } finally {
    key.fill(0);
  }
}
