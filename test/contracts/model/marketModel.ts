import { type Address, type Hex, zeroAddress, zeroHash } from "viem";

import type { StepAttestation, StepPermit } from "../../../client/src/protocol/eip712";

/** The contract's StepStatus enum, by number. */
export const Status = { None: 0, Consumed: 1, Claimed: 2, Disputed: 3, Settled: 4, Refunded: 5 } as const;
export type Status = (typeof Status)[keyof typeof Status];
export const STATUS_NAMES = ["None", "Consumed", "Claimed", "Disputed", "Settled", "Refunded"] as const;

/** The terms of a published offer that settlement reads. Addresses are checksummed. */
export interface OfferModel {
  id: bigint;
  seller: Address;
  gateway: Address;
  arbiter: Address;
  token: Address;
  price: bigint;
  bond: bigint;
  maxSteps: number;
  stepTimeout: bigint;
  disputeWindow: bigint;
  arbiterTimeout: bigint;
  quorum: number;
  commit: Hex;
  policyHash: Hex;
}

/** One consumed step. `cert` is zero until claimed and never cleared afterwards. */
export interface StepModel {
  status: Status;
  permit: StepPermit;
  digest: Hex;
  consumedAt: bigint;
  claimedAt: bigint;
  disputedAt: bigint;
  cert: Hex;
}

/** One entitlement; `steps[k - 1]` is step k, for k ≤ consumed. */
export interface EntitlementModel {
  id: bigint;
  offer: OfferModel;
  buyer: Address;
  bought: number;
  consumed: number;
  maxFromStep: number;
  steps: StepModel[];
}

/** Where every unit of one token paid into the market is. */
export interface Ledger {
  /** Prices of bought steps that are neither settled, refunded nor cancelled. */
  escrowed: bigint;
  /** Bonds of disputes not yet decided. */
  bonds: bigint;
  paidIn: bigint;
  withdrawn: bigint;
  credits: Map<Address, bigint>;
}

/** A custom error with its arguments, as the contract should revert. */
export interface Revert {
  name: string;
  args: readonly unknown[];
}

/** What the model says a transaction does: revert, or succeed and `apply` at the block timestamp. */
export type Outcome = { ok: true; apply: (ts: bigint) => void } | { ok: false; revert: Revert };

const revert = (name: string, ...args: unknown[]): Outcome => ({ ok: false, revert: { name, args } });
const ok = (apply: (ts: bigint) => void): Outcome => ({ ok: true, apply });

/** The first 21 bytes of a digest, as a step stores it. */
export const digestPrefix = (digest: Hex): Hex => digest.slice(0, 44).toLowerCase() as Hex;

/**
 * The reference model of the market: predicts, from the design brief alone, whether each action reverts and
 * with which custom error, and what it does to steps, escrow, bonds and credits.
 */
export class MarketModel {
  /** The timestamp of the latest block. */
  now: bigint;
  readonly entitlements: EntitlementModel[] = [];
  readonly ledgers = new Map<Address, Ledger>();
  /** Who received each step's price, keyed `id:step`: a step is paid at most once. */
  readonly paid = new Map<string, Address>();

  constructor(
    readonly offers: readonly OfferModel[],
    now: bigint,
    readonly hashPermit: (permit: StepPermit) => Hex,
  ) {
    this.now = now;
    for (const o of offers) {
      this.ledgers.set(o.token, { escrowed: 0n, bonds: 0n, paidIn: 0n, withdrawn: 0n, credits: new Map() });
    }
  }

  /** The entitlement with this id, if bought. */
  entitlement(id: bigint): EntitlementModel | undefined {
    return id >= 1n ? this.entitlements[Number(id) - 1] : undefined;
  }

  /** The step, if consumed. */
  step(id: bigint, step: number): StepModel | undefined {
    return step >= 1 ? this.entitlement(id)?.steps[step - 1] : undefined;
  }

  /** A step's status; None for steps never consumed and unknown entitlements. */
  statusOf(id: bigint, step: number): Status {
    return this.step(id, step)?.status ?? Status.None;
  }

  /** The ledger of a token. */
  ledger(token: Address): Ledger {
    const l = this.ledgers.get(token);
    if (!l) throw new Error(`model has no ledger for ${token}`);
    return l;
  }

  /** An account's withdrawable credit. */
  creditOf(token: Address, account: Address): bigint {
    return this.ledger(token).credits.get(account) ?? 0n;
  }

  /** The prevCertificateHash a claim of a step continuing from `fromStep` must carry. */
  prevCertificate(id: bigint, fromStep: number): Hex {
    return fromStep === 0 ? zeroHash : (this.step(id, fromStep)?.cert ?? zeroHash);
  }

  /** The end of the window a step is waiting on, if any: claim/reclaim, dispute/finalize, rule/lapse. */
  windowEnd(e: EntitlementModel, s: StepModel): bigint | undefined {
    if (s.status === Status.Consumed) return s.consumedAt + e.offer.stepTimeout;
    if (s.status === Status.Claimed) return s.claimedAt + e.offer.disputeWindow;
    if (s.status === Status.Disputed) return s.disputedAt + e.offer.arbiterTimeout;
    return undefined;
  }

  purchase(offer: OfferModel, buyer: Address, steps: number, value: bigint): Outcome {
    if (steps === 0 || steps > offer.maxSteps) return revert("InvalidStepCount", steps, offer.maxSteps);
    const amount = offer.price * BigInt(steps);
    const payment = this.payment(offer, amount, value);
    if (payment) return payment;
    return ok(() => {
      const id = BigInt(this.entitlements.length + 1);
      this.entitlements.push({ id, offer, buyer, bought: steps, consumed: 0, maxFromStep: 0, steps: [] });
      const l = this.ledger(offer.token);
      l.escrowed += amount;
      l.paidIn += amount;
    });
  }

  cancel(id: bigint, caller: Address): Outcome {
    const e = this.entitlement(id);
    if (!e) return revert("UnknownEntitlement", id);
    if (caller !== e.buyer) return revert("NotBuyer", id, caller);
    const unused = e.bought - e.consumed;
    if (unused === 0) return revert("NothingToCancel", id);
    return ok(() => {
      const amount = e.offer.price * BigInt(unused);
      e.bought = e.consumed;
      this.ledger(e.offer.token).escrowed -= amount;
      this.credit(e.offer.token, e.buyer, amount);
    });
  }

  /** `signer` is who signed the permit; the offers under test have no delegated permit signer. */
  consume(p: StepPermit, signer: Address, caller: Address, ts: bigint): Outcome {
    if (p.deadline === 0n) return revert("ZeroDeadline");
    if (ts > p.deadline) return revert("PermitExpired", p.deadline, ts);
    if (p.workerKey === zeroHash) return revert("ZeroWorkerKey");
    if (p.runId === 0n && p.runAttempt !== 0) return revert("UnboundRunAttempt", p.runAttempt);
    if (p.fromStep >= p.step) return revert("FromStepNotBeforeStep", p.fromStep, p.step);
    if (p.gateway !== caller) return revert("CallerNotGateway", p.gateway, caller);
    const e = this.entitlement(p.entitlementId);
    if (!e) return revert("UnknownEntitlement", p.entitlementId);
    if (p.step !== e.consumed + 1) return revert("StepOutOfOrder", e.consumed + 1, p.step);
    if (p.step > e.bought) return revert("StepsExhausted", p.step, e.bought);
    if (p.runId === 0n) return revert("UnboundRunNotAllowed", p.entitlementId);
    if (p.commit !== e.offer.commit || p.policyHash !== e.offer.policyHash || p.gateway !== e.offer.gateway) {
      throw new Error("the model does not predict PermitTermsMismatch; generate permits on the offer's terms");
    }
    if (signer !== e.buyer) return revert("InvalidPermitSignature", e.buyer);
    return ok((ts) => {
      e.consumed = p.step;
      e.maxFromStep = Math.max(e.maxFromStep, p.fromStep);
      const digest = this.hashPermit(p);
      e.steps.push({
        status: Status.Consumed,
        permit: p,
        digest,
        consumedAt: ts,
        claimedAt: 0n,
        disputedAt: 0n,
        cert: zeroHash,
      });
    });
  }

  /** `signatures` valid signatures of distinct verifiers of the offer, in ascending signer order. */
  claim(p: StepPermit, att: StepAttestation, signatures: number, ts: bigint): Outcome {
    const id = p.entitlementId;
    const e = this.entitlement(id);
    const s = this.step(id, p.step);
    if (!e || !s || s.status !== Status.Consumed) {
      return revert("InvalidStepStatus", id, p.step, Status.Consumed, s?.status ?? Status.None);
    }
    const end = s.consumedAt + e.offer.stepTimeout;
    if (ts >= end) return revert("WindowClosed", end, ts);
    const digest = this.hashPermit(p);
    if (digestPrefix(digest) !== digestPrefix(s.digest)) {
      return revert("PermitDigestMismatch", digestPrefix(s.digest), digestPrefix(digest));
    }
    if (att.entitlementId !== id || att.step !== p.step) {
      return revert("AttestationTargetMismatch", att.entitlementId, att.step);
    }
    if (att.permitDigest !== digest) return revert("AttestedPermitMismatch", digest, att.permitDigest);
    if (att.commit !== p.commit) return revert("CommitMismatch", p.commit, att.commit);
    if (att.policyHash !== p.policyHash) return revert("PolicyMismatch", p.policyHash, att.policyHash);
    if (att.certificateHash === zeroHash) return revert("ZeroCertificateHash");
    const expectedPrev = this.prevCertificate(id, p.fromStep);
    if (p.fromStep !== 0 && expectedPrev === zeroHash) return revert("FromStepNotClaimed", id, p.fromStep);
    if (att.prevCertificateHash !== expectedPrev) {
      return revert("PrevCertificateMismatch", expectedPrev, att.prevCertificateHash);
    }
    if (signatures < e.offer.quorum) return revert("QuorumNotReached", signatures, e.offer.quorum);
    return ok((ts) => {
      s.status = Status.Claimed;
      s.claimedAt = ts;
      s.cert = att.certificateHash;
    });
  }

  /** `value` is the ETH sent along, which must be the bond for an ETH offer and nothing for an ERC-20 one. */
  dispute(id: bigint, step: number, caller: Address, value: bigint, ts: bigint): Outcome {
    const e = this.entitlement(id);
    if (!e) return revert("UnknownEntitlement", id);
    if (caller !== e.buyer) return revert("NotBuyer", id, caller);
    const s = this.step(id, step);
    if (!s || s.status !== Status.Claimed) {
      return revert("InvalidStepStatus", id, step, Status.Claimed, s?.status ?? Status.None);
    }
    const end = s.claimedAt + e.offer.disputeWindow;
    if (ts >= end) return revert("WindowClosed", end, ts);
    if (step <= e.maxFromStep) return revert("StepAlreadyContinued", id, step, e.maxFromStep);
    const payment = this.payment(e.offer, e.offer.bond, value);
    if (payment) return payment;
    return ok((ts) => {
      s.status = Status.Disputed;
      s.disputedAt = ts;
      const l = this.ledger(e.offer.token);
      l.bonds += e.offer.bond;
      l.paidIn += e.offer.bond;
    });
  }

  rule(id: bigint, step: number, caller: Address, sellerWins: boolean, ts: bigint): Outcome {
    const e = this.entitlement(id);
    if (!e) return revert("UnknownEntitlement", id);
    if (caller !== e.offer.arbiter) return revert("NotArbiter", e.offer.arbiter, caller);
    const s = this.step(id, step);
    if (!s || s.status !== Status.Disputed) {
      return revert("InvalidStepStatus", id, step, Status.Disputed, s?.status ?? Status.None);
    }
    const end = s.disputedAt + e.offer.arbiterTimeout;
    if (ts >= end) return revert("WindowClosed", end, ts);
    return ok(() => {
      this.ledger(e.offer.token).bonds -= e.offer.bond;
      this.pay(e, step, sellerWins ? e.offer.seller : e.buyer, e.offer.price + e.offer.bond);
    });
  }

  settleLapsedDispute(id: bigint, step: number, ts: bigint): Outcome {
    const e = this.entitlement(id);
    if (!e) return revert("UnknownEntitlement", id);
    const s = this.step(id, step);
    if (!s || s.status !== Status.Disputed) {
      return revert("InvalidStepStatus", id, step, Status.Disputed, s?.status ?? Status.None);
    }
    const end = s.disputedAt + e.offer.arbiterTimeout;
    if (ts < end) return revert("WindowNotElapsed", end, ts);
    return ok(() => {
      this.ledger(e.offer.token).bonds -= e.offer.bond;
      this.credit(e.offer.token, e.buyer, e.offer.bond);
      this.pay(e, step, e.offer.seller, e.offer.price);
    });
  }

  accept(id: bigint, step: number, caller: Address): Outcome {
    const e = this.entitlement(id);
    if (!e) return revert("UnknownEntitlement", id);
    if (caller !== e.buyer) return revert("NotBuyer", id, caller);
    const s = this.step(id, step);
    if (!s || s.status !== Status.Claimed) {
      return revert("InvalidStepStatus", id, step, Status.Claimed, s?.status ?? Status.None);
    }
    return ok(() => this.pay(e, step, e.offer.seller, e.offer.price));
  }

  finalize(id: bigint, step: number, ts: bigint): Outcome {
    const e = this.entitlement(id);
    const s = this.step(id, step);
    if (!e || !s || s.status !== Status.Claimed) {
      return revert("InvalidStepStatus", id, step, Status.Claimed, s?.status ?? Status.None);
    }
    const end = s.claimedAt + e.offer.disputeWindow;
    if (ts < end) return revert("WindowNotElapsed", end, ts);
    return ok(() => this.pay(e, step, e.offer.seller, e.offer.price));
  }

  reclaim(id: bigint, step: number, ts: bigint): Outcome {
    const e = this.entitlement(id);
    const s = this.step(id, step);
    if (!e || !s || s.status !== Status.Consumed) {
      return revert("InvalidStepStatus", id, step, Status.Consumed, s?.status ?? Status.None);
    }
    const end = s.consumedAt + e.offer.stepTimeout;
    if (ts < end) return revert("WindowNotElapsed", end, ts);
    return ok(() => this.pay(e, step, e.buyer, e.offer.price));
  }

  /** `to` is undefined for withdraw, the recipient for withdrawTo. */
  withdraw(token: Address, account: Address, to: Address | undefined): Outcome {
    if (to === zeroAddress) return revert("ZeroRecipient");
    const amount = this.creditOf(token, account);
    if (amount === 0n) return revert("NothingToWithdraw", token, account);
    return ok(() => {
      const l = this.ledger(token);
      l.credits.set(account, 0n);
      l.withdrawn += amount;
    });
  }

  /** The revert of a payment of `amount` with `value` ETH attached, if wrong: ETH must match, ERC-20 takes none. */
  private payment(offer: OfferModel, amount: bigint, value: bigint): Outcome | undefined {
    if (offer.token === zeroAddress) return value === amount ? undefined : revert("IncorrectPayment", amount, value);
    return value === 0n ? undefined : revert("UnexpectedValue", value);
  }

  private credit(token: Address, account: Address, amount: bigint): void {
    const l = this.ledger(token);
    l.credits.set(account, (l.credits.get(account) ?? 0n) + amount);
  }

  /** Releases a step's escrowed price (plus `amount - price` of bond) to one party, exactly once. */
  private pay(e: EntitlementModel, step: number, to: Address, amount: bigint): void {
    const key = `${e.id}:${step}`;
    const before = this.paid.get(key);
    if (before !== undefined) throw new Error(`model paid step ${key} twice (to ${before}, then ${to})`);
    this.paid.set(key, to);
    this.ledger(e.offer.token).escrowed -= e.offer.price;
    this.credit(e.offer.token, to, amount);
    e.steps[step - 1]!.status = to === e.offer.seller ? Status.Settled : Status.Refunded;
  }
}
