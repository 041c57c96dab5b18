import { zeroHash } from "viem";

import { type EntitlementModel, type MarketModel, Status } from "../marketModel";
import type { World } from "../world";
import { hasStepsLeft, runConsume, runPurchase } from "./escrow";
import { type Aim, type Target, resolveEntitlement, stepsFor, stepsIn } from "./perform";
import { claimAim, disputeAim, runClaim, runDispute } from "./settlement";
import { mineAt } from "./time";

/**
 * Whether an action aimed at a step it would succeed on has no such step, or one aimed at a near miss or a window
 * edge has no step in the status it needs at all. Sequences are generated blind to the state, so most "dispute"
 * draws would come before anything is claimed; instead of wasting them on reverts that the other aims cover, such
 * an action advances the lifecycle towards what it needs.
 */
export function unserved(t: Target, model: Readonly<MarketModel>, aim: Aim): boolean {
  if (t.aim === "works") return stepsFor(model, aim).length === 0;
  return (t.aim === "nearMiss" || t.aim === "edge") && stepsIn(model, [aim.status]).length === 0;
}

/** The lifecycle stage an action needs some step (or entitlement, for "bought") to have reached. */
export type Stage = "bought" | "consumed" | "claimed" | "disputed";

/**
 * Performs the honest action that brings some step closest to `stage`: a dispute, else a claim, else a consume
 * that can be claimed next, else a purchase. Returns what it did.
 */
export async function advance(stage: Stage, index: number, model: MarketModel, world: World): Promise<string> {
  const target: Target = { index, aim: "works" };
  if (stage === "disputed" && stepsFor(model, disputeAim(model)).length > 0) {
    await runDispute({ target, asBuyer: true, wrongValue: false }, model, world);
    return "dispute";
  }
  if (stage !== "bought" && stage !== "consumed" && stepsFor(model, claimAim(model)).length > 0) {
    await runClaim({ target, forgedPrev: false, signers: "quorum" }, model, world);
    return "claim";
  }
  if (stage !== "bought" && model.entitlements.some(hasStepsLeft)) {
    // Continue from the last step if it has a certificate (so the new one is claimable too), else from genesis.
    const { e } = resolveEntitlement(model, target, hasStepsLeft);
    const from = e !== undefined && model.prevCertificate(e.id, e.consumed) !== zeroHash ? -1 : 0;
    const consume = { target, stepDelta: 0, from, deadline: "ample", wrongSigner: false, byGateway: true } as const;
    await runConsume(consume, model, world);
    return from === -1 ? "consume continuing the last step" : "consume from genesis";
  }
  const steps = 1 + (index % 5);
  await runPurchase({ offer: index % 2, buyer: Math.floor(index / 2) % 2, steps, wrongValue: false }, model, world);
  return `purchase of ${steps}`;
}

/**
 * For an action that waits for a window to end (reclaim, finalize, settleLapsedDispute): moves time so that the
 * next transaction runs exactly at the window end of a step in `status`, if there is one. Returns what it did.
 */
export async function waitForWindow(index: number, model: MarketModel, status: Status): Promise<string | undefined> {
  const ends = model.entitlements.flatMap((e) =>
    e.steps.flatMap((s, k) => (s.status === status ? [{ at: `${e.id}:${k + 1}`, end: model.windowEnd(e, s)! }] : [])),
  );
  if (ends.length === 0) return undefined;
  const { at, end } = ends[index % ends.length]!;
  await mineAt(model, end - 1n);
  return `wait for the window of ${at} to end at ${end}, then act`;
}

/**
 * For a dispute aimed at a near miss: if no claimed step in its dispute window has been continued yet, the buyer
 * continues from one (the gateway consumes the next step from it), which under the brief accepts it; if the last
 * step of every entitlement with steps left is still unclaimed, a keeper claims one first. Returns what it did.
 */
export async function continueFromClaimed(
  index: number,
  model: MarketModel,
  world: World,
): Promise<string | undefined> {
  const ts = model.now + 1n;
  const open = (e: EntitlementModel, step: number) => {
    const s = e.steps[step - 1];
    return s !== undefined && s.status === Status.Claimed && ts < s.claimedAt + e.offer.disputeWindow;
  };
  if (model.entitlements.some((e) => e.steps.some((_, k) => k + 1 <= e.maxFromStep && open(e, k + 1)))) {
    return undefined;
  }
  const withStepsLeft = model.entitlements.filter(hasStepsLeft);
  let claimed = "";
  let candidates = withStepsLeft.filter((e) => open(e, e.consumed));
  if (candidates.length === 0) {
    const claimable = stepsFor(model, claimAim(model));
    const last = claimable.filter((r) => hasStepsLeft(r.e!) && r.step === r.e!.consumed);
    if (last.length === 0) return undefined;
    const pick = last[index % last.length]!;
    const target: Target = { index: claimable.indexOf(pick), aim: "works" };
    await runClaim({ target, forgedPrev: false, signers: "quorum" }, model, world);
    claimed = `claim ${pick.id}:${pick.step}, `;
    candidates = [pick.e!];
  }
  const e = candidates[index % candidates.length]!;
  const target: Target = { index: model.entitlements.filter(hasStepsLeft).indexOf(e), aim: "works" };
  const consume = { target, stepDelta: 0, from: -1, deadline: "ample", wrongSigner: false, byGateway: true } as const;
  await runConsume(consume, model, world);
  return `${claimed}consume ${e.id}:${e.consumed} continuing the claimed step before it, then dispute`;
}

/**
 * For an action aimed at a window edge: moves time so that the next transaction runs exactly at the window end of
 * a step in `status` (even index) or one second before it (odd index). Returns what it did.
 */
export async function waitForEdge(index: number, model: MarketModel, status: Status): Promise<string | undefined> {
  const offset = index % 2 === 0 ? 0n : -1n;
  const ends = model.entitlements.flatMap((e) =>
    e.steps.flatMap((s, k) => {
      const end = model.windowEnd(e, s);
      return s.status === status && end !== undefined && end + offset > model.now
        ? [{ at: `${e.id}:${k + 1}`, end }]
        : [];
    }),
  );
  if (ends.length === 0) return undefined;
  const { at, end } = ends[Math.floor(index / 2) % ends.length]!;
  await mineAt(model, end + offset - 1n);
  return `wait until ${offset === 0n ? "the" : "1 s before the"} end of the window of ${at} at ${end}, then act`;
}

/**
 * For a claim aimed at a near miss: if no consumed step in its claim window continues from an unclaimed step, the
 * gateway consumes one continuing from the last step while that is still unclaimed. Returns what it did.
 */
export async function chainFromUnclaimed(index: number, model: MarketModel, world: World): Promise<string | undefined> {
  const ts = model.now + 1n;
  const unclaimed = (e: EntitlementModel, step: number) => {
    const s = e.steps[step - 1];
    return s !== undefined && s.status === Status.Consumed && ts < s.consumedAt + e.offer.stepTimeout;
  };
  const chained = model.entitlements.some((e) =>
    e.steps.some(
      (s, k) =>
        unclaimed(e, k + 1) && s.permit.fromStep !== 0 && model.prevCertificate(e.id, s.permit.fromStep) === zeroHash,
    ),
  );
  if (chained) return undefined;
  const withStepsLeft = model.entitlements.filter(hasStepsLeft);
  const candidates = withStepsLeft.filter((e) => unclaimed(e, e.consumed));
  if (candidates.length === 0) return undefined;
  const e = candidates[index % candidates.length]!;
  const target: Target = { index: withStepsLeft.indexOf(e), aim: "works" };
  const consume = { target, stepDelta: 0, from: -1, deadline: "ample", wrongSigner: false, byGateway: true } as const;
  await runConsume(consume, model, world);
  return `consume ${e.id}:${e.consumed} continuing the unclaimed step before it, then claim`;
}
