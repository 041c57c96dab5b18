import fc from "fast-check";
import type { Hex } from "viem";

import type { StepAttestation, StepPermit } from "../../../../client/src/protocol/eip712";
import { HOUR, attestationFor, certificateHash, signAttestationBy, workerKey } from "../../../helpers/market";
import { type MarketModel, type Outcome, Status } from "../marketModel";
import type { World } from "../world";
import { valueFor } from "./escrow";
import {
  type Aim,
  type Resolved,
  type Target,
  addressOf,
  buyerOrNot,
  count,
  mostly,
  perform,
  rarely,
  resolve,
  target,
} from "./perform";

/** An aim at steps in `status`, where `outcome(model, r, ts)` is what the action does in the next block. */
function aimAt(
  model: Readonly<MarketModel>,
  status: Status,
  outcome: (model: Readonly<MarketModel>, r: Resolved, ts: bigint) => Outcome,
): Aim {
  return { status, outcome: (r) => outcome(model, r, model.now + 1n) };
}

/** The claim of a step as an honest keeper builds it: the consumed permit, chained to the model's certificates. */
function claimOf(model: Readonly<MarketModel>, r: Resolved, ts: bigint, forgedPrev: boolean) {
  const offer = r.e?.offer ?? model.offers[0]!;
  // A step never consumed has no permit: present the one its buyer would sign; the status check rejects it.
  const permit: StepPermit = model.step(r.id, r.step)?.permit ?? {
    entitlementId: r.id,
    step: r.step,
    fromStep: r.step - 1,
    runId: 1000n,
    runAttempt: 1,
    workerKey: workerKey(r.step),
    commit: offer.commit,
    policyHash: offer.policyHash,
    gateway: offer.gateway,
    deadline: ts + HOUR,
  };
  const prev: Hex = forgedPrev ? certificateHash("forged") : model.prevCertificate(r.id, permit.fromStep);
  const cert = certificateHash(`${r.id}-${r.step}-${ts}`);
  const att: StepAttestation = attestationFor(permit, model.hashPermit(permit), cert, prev);
  return { offer, permit, att };
}

export const claimAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Consumed, (m, r, ts) => {
    const { offer, permit, att } = claimOf(m, r, ts, false);
    return m.claim(permit, att, offer.quorum, ts);
  });
export const disputeAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Claimed, (m, r, ts) =>
    m.dispute(r.id, r.step, r.e!.buyer, valueFor(r.e!.offer.token, r.e!.offer.bond, false), ts),
  );
export const ruleAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Disputed, (m, r, ts) => m.rule(r.id, r.step, r.e!.offer.arbiter, true, ts));
export const lapseAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Disputed, (m, r, ts) => m.settleLapsedDispute(r.id, r.step, ts));
export const acceptAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Claimed, (m, r) => m.accept(r.id, r.step, r.e!.buyer));
export const finalizeAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Claimed, (m, r, ts) => m.finalize(r.id, r.step, ts));
export const reclaimAim = (model: Readonly<MarketModel>) =>
  aimAt(model, Status.Consumed, (m, r, ts) => m.reclaim(r.id, r.step, ts));

export interface ClaimParams {
  target: Target;
  forgedPrev: boolean;
  signers: "quorum" | "all" | "short";
}

/** Signed by the quorum, by every verifier, or by one too few; now and then with a forged prev hash. */
export const claimParams: fc.Arbitrary<ClaimParams> = fc.record({
  target,
  forgedPrev: rarely(12),
  signers: fc.constantFrom("quorum", "quorum", "quorum", "all", "short"),
});

/** A keeper claims a step with the consumed permit and an attestation chained per the model. */
export async function runClaim(p: ClaimParams, model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  const ts = model.now + 1n;
  const r = resolve(model, p.target, claimAim(model));
  const { offer, permit, att } = claimOf(model, r, ts, p.forgedPrev);
  const verifiers = fx.offers.find((o) => o.model.id === offer.id)!.verifiers;
  const n = p.signers === "all" ? verifiers.length : p.signers === "quorum" ? offer.quorum : offer.quorum - 1;
  const signatures = await signAttestationBy(fx, verifiers.slice(0, n), att);
  const s = model.step(r.id, r.step);
  await perform(
    "claim",
    model,
    world,
    model.claim(permit, att, n, ts),
    () => fx.market.write.claim([permit, att, signatures], { account: fx.keeper.account! }),
    s?.status === Status.Consumed ? s.consumedAt + offer.stepTimeout : undefined,
  );
}

export interface ByBuyerParams {
  target: Target;
  /** False: the other buyer tries, and must be rejected. */
  asBuyer: boolean;
}

export const byBuyerParams: fc.Arbitrary<ByBuyerParams> = fc.record({ target, asBuyer: mostly(10) });

export interface DisputeParams extends ByBuyerParams {
  /** ETH 1 wei short of the bond, or 1 wei of ETH sent with an ERC-20 bond. */
  wrongValue: boolean;
}

export const disputeParams: fc.Arbitrary<DisputeParams> = fc.record({
  target,
  asBuyer: mostly(10),
  wrongValue: rarely(12),
});

/** The buyer disputes a step, posting the bond. */
export async function runDispute(p: DisputeParams, model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  const ts = model.now + 1n;
  const { id, step, e } = resolve(model, p.target, disputeAim(model));
  const offer = e?.offer ?? model.offers[0]!;
  const from = buyerOrNot(world, e?.buyer, p.asBuyer);
  const value = valueFor(offer.token, offer.bond, p.wrongValue);
  const s = model.step(id, step);
  await perform(
    "dispute",
    model,
    world,
    model.dispute(id, step, addressOf(from), value, ts),
    () => fx.market.write.dispute([id, step], { account: from.account!, value }),
    s?.status === Status.Claimed ? s.claimedAt + offer.disputeWindow : undefined,
  );
}

/** The buyer accepts a claimed step. */
export async function runAccept(p: ByBuyerParams, model: MarketModel, world: World): Promise<void> {
  const { id, step, e } = resolve(model, p.target, acceptAim(model));
  const from = buyerOrNot(world, e?.buyer, p.asBuyer);
  await perform("accept", model, world, model.accept(id, step, addressOf(from)), () =>
    world.fx.market.write.accept([id, step], { account: from.account! }),
  );
}

export interface RuleParams {
  target: Target;
  sellerWins: boolean;
  /** False: the seller tries, and must be rejected. */
  byArbiter: boolean;
}

export const ruleParams: fc.Arbitrary<RuleParams> = fc.record({
  target,
  sellerWins: fc.boolean(),
  byArbiter: mostly(10),
});

/** The arbiter rules a dispute for either side. */
export async function runRule(p: RuleParams, model: MarketModel, world: World): Promise<void> {
  const ts = model.now + 1n;
  const { id, step, e } = resolve(model, p.target, ruleAim(model));
  const from = p.byArbiter ? world.fx.arbiter : world.fx.seller;
  const s = model.step(id, step);
  const ok = await perform(
    "rule",
    model,
    world,
    model.rule(id, step, addressOf(from), p.sellerWins, ts),
    () => world.fx.market.write.rule([id, step, p.sellerWins], { account: from.account! }),
    s?.status === Status.Disputed && e ? s.disputedAt + e.offer.arbiterTimeout : undefined,
  );
  if (ok) count(world, p.sellerWins ? "rule:seller won" : "rule:buyer won");
}

export interface AnyoneParams {
  target: Target;
}

export const anyoneParams: fc.Arbitrary<AnyoneParams> = fc.record({ target });

/** A keeper settles a dispute the arbiter left unruled. */
export async function runSettleLapsed(p: AnyoneParams, model: MarketModel, world: World): Promise<void> {
  const ts = model.now + 1n;
  const { id, step, e } = resolve(model, p.target, lapseAim(model));
  const s = model.step(id, step);
  await perform(
    "settleLapsedDispute",
    model,
    world,
    model.settleLapsedDispute(id, step, ts),
    () => world.fx.market.write.settleLapsedDispute([id, step], { account: world.fx.keeper.account! }),
    s?.status === Status.Disputed && e ? s.disputedAt + e.offer.arbiterTimeout : undefined,
  );
}

/** A keeper finalizes a claimed step after its dispute window. */
export async function runFinalize(p: AnyoneParams, model: MarketModel, world: World): Promise<void> {
  const ts = model.now + 1n;
  const { id, step, e } = resolve(model, p.target, finalizeAim(model));
  const s = model.step(id, step);
  await perform(
    "finalize",
    model,
    world,
    model.finalize(id, step, ts),
    () => world.fx.market.write.finalize([id, step], { account: world.fx.keeper.account! }),
    s?.status === Status.Claimed && e ? s.claimedAt + e.offer.disputeWindow : undefined,
  );
}

/** A keeper reclaims a consumed step left unclaimed past the step timeout. */
export async function runReclaim(p: AnyoneParams, model: MarketModel, world: World): Promise<void> {
  const ts = model.now + 1n;
  const { id, step, e } = resolve(model, p.target, reclaimAim(model));
  const s = model.step(id, step);
  await perform(
    "reclaim",
    model,
    world,
    model.reclaim(id, step, ts),
    () => world.fx.market.write.reclaim([id, step], { account: world.fx.keeper.account! }),
    s?.status === Status.Consumed && e ? s.consumedAt + e.offer.stepTimeout : undefined,
  );
}
