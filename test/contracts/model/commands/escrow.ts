import { expect } from "chai";
import fc from "fast-check";
import { type Address, zeroAddress } from "viem";

import type { StepPermit } from "../../../../client/src/protocol/eip712";
import { HOUR, signPermit, workerKey } from "../../../helpers/market";
import type { EntitlementModel, MarketModel } from "../marketModel";
import { type World, walletOf } from "../world";
import { type Target, addressOf, buyerOrNot, mostly, perform, rarely, resolveEntitlement, target } from "./perform";

/** An entitlement with steps left to consume (or cancel). */
export const hasStepsLeft = (e: EntitlementModel) => e.consumed < e.bought;

export interface PurchaseParams {
  offer: number;
  buyer: number;
  steps: number;
  /** ETH 1 wei short of the price, or 1 wei of ETH sent with an ERC-20 payment. */
  wrongValue: boolean;
}

/** 0..5 steps (0 must be rejected) of either offer by either buyer, now and then with the wrong ETH value. */
export const purchaseParams: fc.Arbitrary<PurchaseParams> = fc.record({
  offer: fc.nat(1),
  buyer: fc.nat(1),
  steps: fc.nat(5),
  wrongValue: rarely(15),
});

/** The ETH to send with a payment of `amount`: the amount for ETH, none for ERC-20; off by one wei if `wrong`. */
export function valueFor(token: Address, amount: bigint, wrong: boolean): bigint {
  if (token !== zeroAddress) return wrong ? 1n : 0n;
  return wrong ? (amount > 0n ? amount - 1n : 1n) : amount;
}

export async function runPurchase(p: PurchaseParams, model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  const o = fx.offers[p.offer]!.model;
  const buyer = [fx.buyer, fx.other][p.buyer]!;
  const value = valueFor(o.token, o.price * BigInt(p.steps), p.wrongValue);
  await perform("purchase", model, world, model.purchase(o, addressOf(buyer), p.steps, value), () =>
    fx.market.write.purchase([o.id, p.steps, zeroAddress], { account: buyer.account!, value }),
  );
}

export interface CancelParams {
  target: Target;
  asBuyer: boolean;
}

/** The buyer, or (rejected) the other buyer, cancels. */
export const cancelParams: fc.Arbitrary<CancelParams> = fc.record({ target, asBuyer: mostly(5) });

export async function runCancel(p: CancelParams, model: MarketModel, world: World): Promise<void> {
  const { id, e } = resolveEntitlement(model, p.target, hasStepsLeft);
  const from = buyerOrNot(world, e?.buyer, p.asBuyer);
  await perform("cancel", model, world, model.cancel(id, addressOf(from)), () =>
    world.fx.market.write.cancel([id], { account: from.account! }),
  );
}

export interface ConsumeParams {
  target: Target;
  /** Added to the right step number. */
  stepDelta: number;
  /** -1: continue from the previous step; else the fromStep, wrapped below the step. */
  from: number;
  deadline: "ample" | "exact" | "passed";
  wrongSigner: boolean;
  byGateway: boolean;
}

/** Mostly the next step; now and then off by one, expired (or expiring exactly now), wrongly signed or sent. */
export const consumeParams: fc.Arbitrary<ConsumeParams> = fc.record({
  target,
  stepDelta: fc.oneof(
    { arbitrary: fc.constant(0), weight: 10 },
    { arbitrary: fc.constant(1), weight: 1 },
    { arbitrary: fc.constant(-1), weight: 1 },
  ),
  from: fc.oneof(
    { arbitrary: fc.constant(-1), weight: 3 },
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.nat(7), weight: 1 },
  ),
  deadline: fc.oneof(
    { arbitrary: fc.constant("ample" as const), weight: 10 },
    { arbitrary: fc.constant("exact" as const), weight: 1 },
    { arbitrary: fc.constant("passed" as const), weight: 1 },
  ),
  wrongSigner: rarely(15),
  byGateway: mostly(15),
});

export async function runConsume(p: ConsumeParams, model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  const ts = model.now + 1n;
  const { id, e } = resolveEntitlement(model, p.target, hasStepsLeft);
  const offer = e?.offer ?? model.offers[0]!;
  const step = Math.max(0, (e?.consumed ?? 0) + 1 + p.stepDelta);
  const fromStep = step === 0 ? 0 : p.from === -1 ? step - 1 : p.from % step;
  const permit: StepPermit = {
    entitlementId: id,
    step,
    fromStep,
    runId: 1000n,
    runAttempt: 1,
    workerKey: workerKey(step),
    commit: offer.commit,
    policyHash: offer.policyHash,
    gateway: offer.gateway,
    deadline: p.deadline === "ample" ? ts + HOUR : p.deadline === "exact" ? ts : ts - 1n,
  };
  const signer = p.wrongSigner ? fx.keeper : e ? walletOf(fx, e.buyer) : fx.buyer;
  const sender = p.byGateway ? fx.gateway : fx.keeper;
  const signature = await signPermit(fx, signer, permit);
  await perform(
    p.deadline === "ample" ? "consume" : `consume(deadline ${p.deadline})`,
    model,
    world,
    model.consume(permit, addressOf(signer), addressOf(sender), ts),
    () => fx.market.write.consume([permit, signature], { account: sender.account! }),
  );
}

export interface WithdrawParams {
  account: number;
  token: number;
  to: "self" | "bystander" | "zero";
  /** Prefer an account and token with something to withdraw. */
  owed: boolean;
}

/** Withdraws to the account itself, to a bystander (withdrawTo) or to zero (rejected). */
export const withdrawParams: fc.Arbitrary<WithdrawParams> = fc.record({
  account: fc.nat(3),
  token: fc.nat(1),
  to: fc.constantFrom("self", "self", "bystander", "zero"),
  owed: mostly(3),
});

export async function runWithdraw(p: WithdrawParams, model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  const accounts = [fx.seller, fx.buyer, fx.other, fx.keeper];
  const tokens = fx.offers.map((o) => o.model.token);
  const owed = accounts.flatMap((a) => tokens.flatMap((t) => (model.creditOf(t, addressOf(a)) > 0n ? [{ a, t }] : [])));
  const pick = p.owed && owed.length > 0 ? owed[(p.account * 2 + p.token) % owed.length]! : undefined;
  const account = pick?.a ?? accounts[p.account]!;
  const token = pick?.t ?? tokens[p.token]!;
  // The bystander never sends a transaction, so its ETH balance moves only by what it receives.
  const bystander = addressOf(fx.delegate);
  const to = p.to === "self" ? undefined : p.to === "zero" ? zeroAddress : bystander;
  const amount = model.creditOf(token, addressOf(account));
  const balanceOf = () =>
    token === zeroAddress ? fx.publicClient.getBalance({ address: bystander }) : fx.token.read.balanceOf([bystander]);
  const before = await balanceOf();
  const ok = await perform("withdraw", model, world, model.withdraw(token, addressOf(account), to), () =>
    to === undefined
      ? fx.market.write.withdraw([token], { account: account.account! })
      : fx.market.write.withdrawTo([token, to], { account: account.account! }),
  );
  if (ok && to === bystander) expect(await balanceOf(), "bystander received").to.equal(before + amount);
}
