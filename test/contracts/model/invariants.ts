import { expect } from "chai";
import { type Address, zeroAddress } from "viem";

import { type MarketModel, STATUS_NAMES, Status, digestPrefix } from "./marketModel";
import { type World, accountsOf } from "./world";

/** Status changes the lifecycle allows; staying put is always allowed. */
const FORWARD: Readonly<Record<number, readonly number[]>> = {
  [Status.None]: [Status.Consumed],
  [Status.Consumed]: [Status.Claimed, Status.Refunded],
  [Status.Claimed]: [Status.Disputed, Status.Settled],
  [Status.Disputed]: [Status.Settled, Status.Refunded],
  [Status.Settled]: [],
  [Status.Refunded]: [],
};

const PAID: readonly number[] = [Status.Settled, Status.Refunded];

/** Escrow and bonds per token, derived from the chain's own entitlement and step records. */
interface Derived {
  escrowed: bigint;
  bonds: bigint;
}

/** Reads the whole market state and checks it against the model and against the accounting invariants. */
export async function checkInvariants(model: MarketModel, world: World): Promise<void> {
  const { fx } = world;
  expect(await fx.market.read.entitlementCount(), "entitlementCount").to.equal(BigInt(model.entitlements.length));

  const derived = new Map<Address, Derived>();
  let paidOnChain = 0;
  for (const token of model.ledgers.keys()) derived.set(token, { escrowed: 0n, bonds: 0n });

  for (const e of model.entitlements) {
    const chain = await fx.market.read.getEntitlement([e.id]);
    const where = `entitlement ${e.id}`;
    expect(chain, where).to.deep.equal({
      offerId: e.offer.id,
      buyer: e.buyer,
      permitSigner: zeroAddress,
      bought: e.bought,
      consumed: e.consumed,
      maxFromStep: e.maxFromStep,
    });
    // Counters only move one way: consumed and maxFromStep up, bought down (cancel) but never below consumed.
    const counters = [BigInt(chain.consumed), BigInt(chain.maxFromStep), -BigInt(chain.bought)];
    const before = world.observed.get(where);
    ["consumed went down", "maxFromStep went down", "bought went up"].forEach((broken, i) => {
      if (before) expect(counters[i]! >= before[i]!, `${where}: ${broken}`).to.equal(true);
    });
    world.observed.set(where, counters);
    expect(chain.bought >= chain.consumed, `${where} bought < consumed`).to.equal(true);

    let paidSteps = 0n;
    let disputes = 0n;
    // One past the last consumed step too: it must still be untouched.
    for (let step = 1; step <= e.consumed + 1; step++) {
      const s = await fx.market.read.getStep([e.id, step]);
      const m = e.steps[step - 1];
      const at = `${where} step ${step}`;
      expect(
        {
          status: STATUS_NAMES[s.status],
          consumedAt: BigInt(s.consumedAt),
          claimedAt: BigInt(s.claimedAt),
          disputedAt: BigInt(s.disputedAt),
          permitDigestPrefix: s.permitDigestPrefix.toLowerCase(),
          certificateHash: s.certificateHash,
        },
        at,
      ).to.deep.equal({
        status: STATUS_NAMES[m?.status ?? Status.None],
        consumedAt: m?.consumedAt ?? 0n,
        claimedAt: m?.claimedAt ?? 0n,
        disputedAt: m?.disputedAt ?? 0n,
        permitDigestPrefix: m ? digestPrefix(m.digest) : `0x${"00".repeat(21)}`,
        certificateHash: m?.cert ?? `0x${"00".repeat(32)}`,
      });
      const record = [BigInt(s.status), BigInt(s.consumedAt), BigInt(s.claimedAt), BigInt(s.disputedAt)];
      const last = world.observed.get(at);
      if (last) {
        const from = Number(last[0]);
        expect(
          s.status === from || FORWARD[from]!.includes(s.status),
          `${at} moved ${STATUS_NAMES[from]} -> ${STATUS_NAMES[s.status]}`,
        ).to.equal(true);
        // A timestamp, once written, is never rewritten.
        ["consumedAt", "claimedAt", "disputedAt"].forEach((field, i) => {
          if (last[i + 1] !== 0n) expect(record[i + 1], `${at}: ${field} rewritten`).to.equal(last[i + 1]);
        });
      }
      world.observed.set(at, record);
      if (PAID.includes(s.status)) {
        paidSteps += 1n;
        paidOnChain += 1;
      }
      if (s.status === Status.Disputed) disputes += 1n;
    }
    const d = derived.get(e.offer.token)!;
    d.escrowed += e.offer.price * (BigInt(chain.bought) - paidSteps);
    d.bonds += e.offer.bond * disputes;
  }

  // Each settled or refunded step was paid exactly once, to the party its status names.
  expect(paidOnChain, "steps paid").to.equal(model.paid.size);

  for (const [token, l] of model.ledgers) {
    let credits = 0n;
    for (const account of accountsOf(fx)) {
      const credit = await fx.market.read.creditOf([token, account]);
      expect(credit, `creditOf(${token}, ${account})`).to.equal(model.creditOf(token, account));
      credits += credit;
    }
    const balance =
      token === zeroAddress
        ? await fx.publicClient.getBalance({ address: fx.market.address })
        : await fx.token.read.balanceOf([fx.market.address]);
    const d = derived.get(token)!;
    expect(d, `escrow and bonds of ${token} derived from the chain`).to.deep.equal({
      escrowed: l.escrowed,
      bonds: l.bonds,
    });
    const owed = l.escrowed + credits + l.bonds;
    expect(balance >= owed, `balance ${balance} < owed ${owed} in ${token}`).to.equal(true);
    // Nothing else ever pays into the market, so the balance is exactly what it owes.
    expect(balance, `balance of ${token}`).to.equal(owed);
    // Buyer refunds + seller payouts + bonds account for every unit paid in, once.
    expect(credits + l.withdrawn + l.escrowed + l.bonds, `paid in ${token}`).to.equal(l.paidIn);
  }
}
