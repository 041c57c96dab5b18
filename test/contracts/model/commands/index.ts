import fc from "fast-check";

import { type EntitlementModel, type MarketModel } from "../marketModel";
import type { World } from "../world";
import {
  cancelParams,
  consumeParams,
  hasStepsLeft,
  purchaseParams,
  runCancel,
  runConsume,
  runPurchase,
  runWithdraw,
  withdrawParams,
} from "./escrow";
import { type Action, type Aim, type Target, action } from "./perform";
import {
  type Stage,
  advance,
  chainFromUnclaimed,
  continueFromClaimed,
  unserved,
  waitForEdge,
  waitForWindow,
} from "./prepare";
import {
  acceptAim,
  anyoneParams,
  byBuyerParams,
  claimAim,
  claimParams,
  disputeAim,
  disputeParams,
  finalizeAim,
  lapseAim,
  reclaimAim,
  ruleAim,
  ruleParams,
  runAccept,
  runClaim,
  runDispute,
  runFinalize,
  runReclaim,
  runRule,
  runSettleLapsed,
} from "./settlement";
import { boundaries, boundaryParams, runWait, runWaitForBoundary, waitParams } from "./time";

type Run<P> = (p: P, model: MarketModel, world: World) => Promise<void>;

/** Whether an action aimed at an entitlement with steps left finds none, and should buy one instead. */
const noEntitlementLeft = (t: Target, entitlements: readonly EntitlementModel[]) =>
  t.aim === "works" && !entitlements.some(hasStepsLeft);

/** An action on an entitlement, which buys one first if it needs one with steps left and there is none. */
function entitlementAction<P extends { target: Target }>(name: string, params: fc.Arbitrary<P>, run: Run<P>) {
  return action(name, params, async (p, m, w, note) => {
    if (noEntitlementLeft(p.target, m.entitlements)) note(await advance("bought", p.target.index, m, w));
    else await run(p, m, w);
  });
}

/** Sets up a near miss for an action before it runs, returning what it did (if anything). */
type Setup = (index: number, model: MarketModel, world: World) => Promise<string | undefined>;

/**
 * An action on a step. Aimed at a near miss, it may first set one up (`nearMiss`). When its aim finds nothing, it
 * waits for a window to end (if `waits` and some step only needs time) or else advances the lifecycle to `stage`;
 * aimed at an edge, it first moves time to one.
 */
function stepAction<P extends { target: Target }>(
  name: string,
  params: fc.Arbitrary<P>,
  aimOf: (model: Readonly<MarketModel>) => Aim,
  stage: Stage,
  run: Run<P>,
  opts: { waits?: boolean; nearMiss?: Setup } = {},
) {
  return action(name, params, async (p, m, w, note) => {
    const { index, aim } = p.target;
    let before = aim === "nearMiss" && opts.nearMiss ? await opts.nearMiss(index, m, w) : undefined;
    if (before === undefined && unserved(p.target, m, aimOf(m))) {
      before = opts.waits && aim === "works" ? await waitForWindow(index, m, aimOf(m).status) : undefined;
      if (before === undefined) return note(await advance(stage, index, m, w));
    } else if (aim === "edge") {
      before = await waitForEdge(index, m, aimOf(m).status);
    }
    if (before !== undefined) note(before);
    await run(p, m, w);
  });
}

const purchase = action("purchase", purchaseParams, runPurchase);
const cancel = entitlementAction("cancel", cancelParams, runCancel);
const consume = entitlementAction("consume", consumeParams, runConsume);
const claim = stepAction("claim", claimParams, claimAim, "consumed", runClaim, { nearMiss: chainFromUnclaimed });
const dispute = stepAction("dispute", disputeParams, disputeAim, "claimed", runDispute, {
  nearMiss: continueFromClaimed,
});
const accept = stepAction("accept", byBuyerParams, acceptAim, "claimed", runAccept);
const rule = stepAction("rule", ruleParams, ruleAim, "disputed", runRule);
const settleLapsedDispute = stepAction("settleLapsedDispute", anyoneParams, lapseAim, "disputed", runSettleLapsed, {
  waits: true,
});
const finalize = stepAction("finalize", anyoneParams, finalizeAim, "claimed", runFinalize, { waits: true });
const reclaim = stepAction("reclaim", anyoneParams, reclaimAim, "consumed", runReclaim, { waits: true });
const withdraw = action("withdraw", withdrawParams, runWithdraw);
const wait = action("wait", waitParams, runWait);
const waitForBoundary = action(
  "waitForBoundary",
  boundaryParams,
  runWaitForBoundary,
  (p, m) => boundaries(m, p.offset).length > 0,
);

/** Every user action and time jump, weighted towards the lifecycle. */
export const anyAction: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: purchase, weight: 2 },
  { arbitrary: cancel, weight: 1 },
  { arbitrary: consume, weight: 3 },
  { arbitrary: claim, weight: 4 },
  { arbitrary: dispute, weight: 3 },
  { arbitrary: rule, weight: 4 },
  { arbitrary: settleLapsedDispute, weight: 4 },
  { arbitrary: accept, weight: 1 },
  { arbitrary: finalize, weight: 3 },
  { arbitrary: reclaim, weight: 1 },
  { arbitrary: withdraw, weight: 2 },
  { arbitrary: wait, weight: 2 },
  { arbitrary: waitForBoundary, weight: 2 },
);
