import { expect } from "chai";
import fc from "fast-check";
import { type Address, type Hex, type WalletClient, getAddress } from "viem";

import { checkInvariants } from "../invariants";
import {
  type EntitlementModel,
  type MarketModel,
  type Outcome,
  type Revert,
  STATUS_NAMES,
  Status,
} from "../marketModel";
import { type World, sendAt } from "../world";

/** Records what an action did instead of, or before, what was drawn; shown in the report of a failing run. */
export type Note = (what: string) => void;

/** One generated action: a label, plus notes taken while it ran. Cloned per run so the notes belong to the run. */
export class Action implements fc.AsyncCommand<MarketModel, World> {
  private notes: string[] = [];

  constructor(
    private readonly label: string,
    private readonly body: (model: MarketModel, world: World, note: Note) => Promise<void>,
    private readonly guard: (model: Readonly<MarketModel>) => boolean = () => true,
  ) {}

  check(model: Readonly<MarketModel>): boolean {
    return this.guard(model);
  }

  async run(model: MarketModel, world: World): Promise<void> {
    this.notes = [];
    await this.body(model, world, (what) => this.notes.push(what));
  }

  toString(): string {
    return [this.label, ...this.notes].join(" -> ");
  }

  [fc.cloneMethod](): Action {
    return new Action(this.label, this.body, this.guard);
  }
}

/** Builds an arbitrary of actions named `name` from an arbitrary of their parameters. */
export function action<P>(
  name: string,
  params: fc.Arbitrary<P>,
  body: (p: P, model: MarketModel, world: World, note: Note) => Promise<void>,
  guard?: (p: P, model: Readonly<MarketModel>) => boolean,
): fc.Arbitrary<Action> {
  return params.map(
    (p) =>
      new Action(`${name}(${fc.stringify(p)})`, (m, w, n) => body(p, m, w, n), guard ? (m) => guard(p, m) : undefined),
  );
}

/** True about once in `n` draws. */
export const rarely = (n: number) =>
  fc.oneof({ arbitrary: fc.constant(true), weight: 1 }, { arbitrary: fc.constant(false), weight: n - 1 });

/** True but about once in `n` draws. */
export const mostly = (n: number) =>
  fc.oneof({ arbitrary: fc.constant(true), weight: n - 1 }, { arbitrary: fc.constant(false), weight: 1 });

/**
 * Which entitlement and step an action aims at. Sequences are generated blind to the state, so the aim is resolved
 * against the model when the action runs: at a step the model says the action succeeds on (`works`); at a step in
 * the status the action needs on which the model says it fails all the same (`nearMiss`: too early, too late, a
 * step already continued, or chained to an unclaimed one); at a step in that status whose window ends exactly now
 * or one second from now (`edge`, after moving time there); at a step already settled or refunded (`paid`: a
 * replayed settlement); at any step (`any`); or at an entitlement nobody bought (`unknown`). An aim with nothing to
 * hit falls back to any step.
 */
export interface Target {
  index: number;
  aim: "works" | "nearMiss" | "edge" | "paid" | "any" | "unknown";
}

export const target: fc.Arbitrary<Target> = fc.record({
  index: fc.nat(1_000),
  aim: fc.oneof(
    { arbitrary: fc.constant("works" as const), weight: 8 },
    { arbitrary: fc.constant("nearMiss" as const), weight: 5 },
    { arbitrary: fc.constant("edge" as const), weight: 6 },
    { arbitrary: fc.constant("paid" as const), weight: 3 },
    { arbitrary: fc.constant("any" as const), weight: 2 },
    { arbitrary: fc.constant("unknown" as const), weight: 1 },
  ),
});

/** The entitlement and step a target resolves to in the current model. */
export interface Resolved {
  id: bigint;
  step: number;
  e?: EntitlementModel;
}

/** What an action needs of a step: a status, and what the model says the action does there now. */
export interface Aim {
  status: Status;
  outcome: (r: Resolved) => Outcome;
}

/** Every consumed step whose status is one of `statuses`. */
export function stepsIn(model: Readonly<MarketModel>, statuses: readonly Status[]): Resolved[] {
  return model.entitlements.flatMap((e) =>
    e.steps.flatMap((s, k) => (statuses.includes(s.status) ? [{ id: e.id, step: k + 1, e }] : [])),
  );
}

/** The steps in the aim's status on which the action succeeds now. */
export function stepsFor(model: Readonly<MarketModel>, aim: Aim): Resolved[] {
  return stepsIn(model, [aim.status]).filter((r) => aim.outcome(r).ok);
}

/** Reverts that only say the time is wrong; the `edge` aim covers them at the exact boundary. */
const TIMING = ["WindowClosed", "WindowNotElapsed"];

/**
 * The steps in the aim's status on which the action fails all the same, for one failure reason chosen by `index`.
 * Reasons other than timing come first (a continued step, a chain to an unclaimed step), and grouping by reason
 * keeps a rare one as likely as a common one.
 */
function nearMisses(model: Readonly<MarketModel>, aim: Aim, index: number): Resolved[] {
  const byReason = new Map<string, Resolved[]>();
  for (const r of stepsIn(model, [aim.status])) {
    const o = aim.outcome(r);
    if (!o.ok) byReason.set(o.revert.name, [...(byReason.get(o.revert.name) ?? []), r]);
  }
  const other = [...byReason].filter(([name]) => !TIMING.includes(name)).map(([, steps]) => steps);
  const reasons = other.length > 0 ? other : [...byReason.values()];
  // The reason takes the higher digits of the index, the step within it the lower ones (in `resolve`).
  return reasons.length === 0 ? [] : reasons[Math.floor(index / 16) % reasons.length]!;
}

/** The steps a target's aim picks from; empty for "any". */
function aimed(model: Readonly<MarketModel>, t: Target, aim: Aim): Resolved[] {
  if (t.aim === "works") return stepsFor(model, aim);
  if (t.aim === "nearMiss") return nearMisses(model, aim, t.index);
  if (t.aim === "paid") return stepsIn(model, [Status.Settled, Status.Refunded]);
  if (t.aim === "edge") {
    const ts = model.now + 1n;
    const onEdge = stepsIn(model, [aim.status]).filter((r) => {
      const end = model.windowEnd(r.e!, r.e!.steps[r.step - 1]!);
      return end === ts || end === ts + 1n;
    });
    return onEdge.length > 0 ? onEdge : stepsFor(model, aim);
  }
  return [];
}

/** Resolves a target to a step; "any" (and a fitting aim with nothing to fit) picks a step of any entitlement. */
export function resolve(model: Readonly<MarketModel>, t: Target, aim: Aim): Resolved {
  const n = model.entitlements.length;
  if (t.aim === "unknown" || n === 0) return { id: BigInt(n + 1), step: 1 };
  const fitting = aimed(model, t, aim);
  if (fitting.length > 0) return fitting[t.index % fitting.length]!;
  const e = model.entitlements[t.index % n]!;
  // Up to one past the last consumed step, which is still untouched.
  return { id: e.id, step: (Math.floor(t.index / n) % (e.consumed + 1)) + 1, e };
}

/** Resolves a target to an entitlement; every aim but "any" and "unknown" picks one that `wants`, if any does. */
export function resolveEntitlement(
  model: Readonly<MarketModel>,
  t: Target,
  wants: (e: EntitlementModel) => boolean,
): { id: bigint; e?: EntitlementModel } {
  const n = model.entitlements.length;
  if (t.aim === "unknown" || n === 0) return { id: BigInt(n + 1) };
  const fitting = t.aim === "any" ? [] : model.entitlements.filter(wants);
  const e = fitting.length > 0 ? fitting[t.index % fitting.length]! : model.entitlements[t.index % n]!;
  return { id: e.id, e };
}

/** Checksummed address of a wallet. */
export const addressOf = (w: WalletClient): Address => getAddress(w.account!.address);

/** Counts how often an action ended a given way, for the coverage check. */
export function count(world: World, label: string): void {
  world.coverage.set(label, (world.coverage.get(label) ?? 0) + 1);
}

/** Arguments compared as strings so that uint32 (number) and uint256 (bigint) and address case do not matter. */
const normalize = (r: Revert) => ({ name: r.name, args: r.args.map((a) => String(a).toLowerCase()) });
const show = (r: Revert) => `${r.name}(${r.args.map(String).join(", ")})`;

/**
 * Sends one transaction in the next block (timestamp model.now + 1), asserts that the chain reverts exactly when the
 * model says and with the model's error, applies the outcome, then checks every invariant. `windowEnd` is the end
 * of the window the action depends on, to count boundary hits. Returns whether the transaction succeeded.
 */
export async function perform(
  name: string,
  model: MarketModel,
  world: World,
  outcome: Outcome,
  write: () => Promise<Hex>,
  windowEnd?: bigint,
): Promise<boolean> {
  const ts = model.now + 1n;
  const result = await sendAt(world.fx, ts, write);
  if (outcome.ok && !result.ok) expect.fail(`${name}: model expected success, chain reverted ${show(result.revert)}`);
  if (!outcome.ok && result.ok) expect.fail(`${name}: chain accepted it, model expected ${show(outcome.revert)}`);
  if (!outcome.ok && !result.ok) expect(normalize(result.revert), name).to.deep.equal(normalize(outcome.revert));
  expect(result.ts, `${name} block timestamp`).to.equal(ts);
  model.now = result.ts;
  if (outcome.ok) outcome.apply(result.ts);

  let label = `${name}:${outcome.ok ? "ok" : outcome.revert.name}`;
  if (!outcome.ok && outcome.revert.name === "InvalidStepStatus") {
    label += `(${STATUS_NAMES[Number(outcome.revert.args[3]) as Status]})`;
  }
  count(world, label);
  if (windowEnd !== undefined && (ts === windowEnd || ts === windowEnd - 1n)) {
    count(world, `${label}${ts === windowEnd ? "@end" : "@end-1"}`);
  }

  await checkInvariants(model, world);
  return outcome.ok;
}

/** The buyer of an entitlement (the first buyer for an unknown one), or else the other buyer. */
export function buyerOrNot(world: World, buyer: Address | undefined, asBuyer: boolean): WalletClient {
  const buyers = [world.fx.buyer, world.fx.other];
  const own = buyers.find((b) => addressOf(b) === buyer) ?? buyers[0]!;
  return asBuyer ? own : buyers.find((b) => b !== own)!;
}
