import type { Address, Hex } from "viem";
import { z } from "zod";

import type { StepConsumedEvent } from "../chain/stepConsumed";

/** A StepConsumed event as the keeper tracks it (the chain layer's one event type). */
export type ConsumedStep = StepConsumedEvent;

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const decimal = z.string().regex(DECIMAL, "a decimal string");
const uint32 = decimal.refine((s) => BigInt(s) < 2n ** 32n, "a uint32");
const bytes32 = z.string().regex(/^0x[0-9a-f]{64}$/, "32 bytes of lowercase hex");

/** The JSON form of a ConsumedStep (cursor file): integers as decimal strings, hex lowercase. */
export const consumedStepJson = z.strictObject({
  entitlementId: decimal,
  step: uint32,
  fromStep: uint32,
  permitDigest: bytes32,
  workerKey: bytes32,
  runId: decimal.refine((s) => BigInt(s) < 2n ** 64n, "a uint64"),
  runAttempt: uint32,
  blockNumber: decimal,
  txHash: bytes32,
});

/** A ConsumedStep as JSON. */
export function consumedStepToJson(s: ConsumedStep): z.infer<typeof consumedStepJson> {
  return {
    entitlementId: s.entitlementId.toString(),
    step: s.step.toString(),
    fromStep: s.fromStep.toString(),
    permitDigest: s.permitDigest.toLowerCase(),
    workerKey: s.workerKey.toLowerCase(),
    runId: s.runId.toString(),
    runAttempt: s.runAttempt.toString(),
    blockNumber: s.blockNumber.toString(),
    txHash: s.txHash.toLowerCase(),
  };
}

/** A ConsumedStep from its (already schema-checked) JSON form. */
export function consumedStepFromJson(j: z.infer<typeof consumedStepJson>): ConsumedStep {
  return {
    entitlementId: BigInt(j.entitlementId),
    step: Number(j.step),
    fromStep: Number(j.fromStep),
    permitDigest: j.permitDigest as Hex,
    workerKey: j.workerKey as Hex,
    runId: BigInt(j.runId),
    runAttempt: Number(j.runAttempt),
    blockNumber: BigInt(j.blockNumber),
    txHash: j.txHash as Hex,
  };
}

/** The key a step is tracked under: `<entitlementId>/<step>`. */
export function stepKey(s: { readonly entitlementId: bigint; readonly step: number }): string {
  return `${s.entitlementId}/${s.step}`;
}

/** Ascending by entitlement, then step: a step always after its fromStep (fromStep < step). */
export function byEntitlementThenStep(a: ConsumedStep, b: ConsumedStep): number {
  if (a.entitlementId !== b.entitlementId) return a.entitlementId < b.entitlementId ? -1 : 1;
  return a.step - b.step;
}

/** Which market a keeper follows. */
export interface MarketRef {
  readonly chainId: bigint;
  readonly market: Address;
}
