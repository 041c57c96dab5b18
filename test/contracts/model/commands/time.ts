import { time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";

import { checkInvariants } from "../invariants";
import type { MarketModel } from "../marketModel";
import type { World } from "../world";
import { count } from "./perform";

/** The longest window of the offers under test (the ETH offer's arbiter timeout), plus ten minutes. */
const LONGEST_JUMP = 3 * 3600 + 600;

/** Mines a block at `ts`, if later than the latest, so that the next transaction runs at ts + 1. */
export async function mineAt(model: MarketModel, ts: bigint): Promise<void> {
  if (ts > model.now) {
    await time.increaseTo(ts);
    model.now = ts;
  }
}

export interface WaitParams {
  seconds: number;
}

/** Mostly a few seconds to two minutes, else up to a bit past the longest window. */
export const waitParams: fc.Arbitrary<WaitParams> = fc.record({
  seconds: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 120 }), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: LONGEST_JUMP }), weight: 1 },
  ),
});

/** Moves chain time forward. */
export async function runWait(p: WaitParams, model: MarketModel, world: World): Promise<void> {
  await mineAt(model, model.now + BigInt(p.seconds));
  count(world, "wait");
  await checkInvariants(model, world);
}

export interface BoundaryParams {
  index: number;
  /** 0: the next transaction runs exactly at the window end; -1: one second before. */
  offset: bigint;
}

export const boundaryParams: fc.Arbitrary<BoundaryParams> = fc.record({
  index: fc.nat(1_000),
  offset: fc.constantFrom(-1n, 0n),
});

/** The window ends of open steps that the next transaction can still be placed at, with `offset`. */
export function boundaries(model: Readonly<MarketModel>, offset: bigint): bigint[] {
  return model.entitlements
    .flatMap((e) => e.steps.map((s) => model.windowEnd(e, s)))
    .filter((end): end is bigint => end !== undefined && end + offset > model.now);
}

/**
 * Moves time so that the next transaction runs exactly at a step's window end (claim, dispute and rule close;
 * reclaim, finalize and settleLapsedDispute open), or one second before it.
 */
export async function runWaitForBoundary(p: BoundaryParams, model: MarketModel, world: World): Promise<void> {
  const ends = boundaries(model, p.offset);
  await mineAt(model, ends[p.index % ends.length]! + p.offset - 1n);
  count(world, "waitForBoundary");
  await checkInvariants(model, world);
}
