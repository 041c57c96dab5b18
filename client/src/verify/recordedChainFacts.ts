import { type Hex, getAddress } from "viem";
import { z } from "zod";

import type { ChainFacts, ConsumedFacts } from "./chainFacts";
import { VerifyCode } from "./codes";
import { failVerify } from "./failure";

/** Name of the recorded chain facts file in a step's evidence folder. */
export const CHAIN_FACTS_FILE = "chain.json";
/** Version string of a recorded chain facts file. */
export const CHAIN_FACTS_VERSION = "swarm/chain-facts/v1";

const dec = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const hex = (n: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${n * 2}}$`));
const uint32 = dec.refine((s) => BigInt(s) < 2n ** 32n);

const recordedSchema = z.strictObject({
  version: z.literal(CHAIN_FACTS_VERSION),
  chainId: dec,
  market: hex(20),
  entitlementId: dec,
  offer: z.strictObject({
    offerId: dec,
    commit: hex(20),
    policyHash: hex(32),
    gateway: hex(20),
    allowUnboundRuns: z.boolean(),
  }),
  consumed: z.strictObject({
    step: uint32,
    fromStep: uint32,
    permitDigest: hex(32),
    workerKey: hex(32),
    runId: dec.refine((s) => BigInt(s) < 2n ** 64n),
    runAttempt: uint32,
    blockNumber: dec,
    txHash: hex(32),
  }),
});

/** A recorded chain facts file (`chain.json`): the offer terms and the step's StepConsumed event, as strings. */
export type RecordedChainFacts = z.infer<typeof recordedSchema>;

/** The recorded form of one step's chain facts. */
export function recordChainFacts(facts: ChainFacts, step: number): RecordedChainFacts {
  const c = facts.consumed.get(step);
  if (c === undefined) failVerify(VerifyCode.REQUIRED_FIELD_MISSING, `no StepConsumed event for step ${step}`);
  const o = facts.offer;
  return {
    version: CHAIN_FACTS_VERSION,
    chainId: facts.chainId.toString(),
    market: facts.market.toLowerCase(),
    entitlementId: facts.entitlementId.toString(),
    offer: {
      offerId: o.offerId.toString(),
      commit: o.commit.toLowerCase(),
      policyHash: o.policyHash.toLowerCase(),
      gateway: o.gateway.toLowerCase(),
      allowUnboundRuns: o.allowUnboundRuns,
    },
    consumed: {
      step: c.step.toString(),
      fromStep: c.fromStep.toString(),
      permitDigest: c.permitDigest.toLowerCase(),
      workerKey: c.workerKey.toLowerCase(),
      runId: c.runId.toString(),
      runAttempt: c.runAttempt.toString(),
      blockNumber: c.blockNumber.toString(),
      txHash: c.txHash.toLowerCase(),
    },
  };
}

/** Parses a recorded chain facts file (strict; FAILURE_BUNDLE_MALFORMED when it does not parse). */
export function parseRecordedChainFacts(bytes: Uint8Array): ChainFacts {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, `expected ${CHAIN_FACTS_FILE} to be UTF-8 JSON`, cause);
  }
  const parsed = recordedSchema.safeParse(value);
  if (!parsed.success) failVerify(VerifyCode.BUNDLE_MALFORMED, `expected ${CHAIN_FACTS_FILE} of the recorded form`);
  const r = parsed.data;
  const c = r.consumed;
  const consumed: ConsumedFacts = {
    step: Number(c.step),
    fromStep: Number(c.fromStep),
    permitDigest: c.permitDigest as Hex,
    workerKey: c.workerKey as Hex,
    runId: BigInt(c.runId),
    runAttempt: Number(c.runAttempt),
    blockNumber: BigInt(c.blockNumber),
    txHash: c.txHash as Hex,
  };
  return {
    source: "recorded",
    chainId: BigInt(r.chainId),
    market: getAddress(r.market),
    entitlementId: BigInt(r.entitlementId),
    offer: {
      offerId: BigInt(r.offer.offerId),
      commit: r.offer.commit as Hex,
      policyHash: r.offer.policyHash as Hex,
      gateway: getAddress(r.offer.gateway),
      allowUnboundRuns: r.offer.allowUnboundRuns,
    },
    consumedSteps: consumed.step,
    consumed: new Map([[consumed.step, consumed]]),
    steps: new Map(),
  };
}
