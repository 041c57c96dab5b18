/**
 * The keeper: follows the market's StepConsumed events at a confirmation depth, remembers every consumed step
 * until it is Settled or Refunded (cursor.ts), and moves each one on as the chain allows: claim it with a quorum of
 * verifier signatures (a step only once its fromStep holds a certificate), finalize it after the dispute window,
 * settle a lapsed dispute, or reclaim it for the buyer after the step timeout. It never trusts its own memory for
 * the state of a step: every action starts from the step's on-chain status, so a restart or a second keeper
 * cannot make it act twice.
 */
import type { Address } from "viem";

import { ChainErrorCode } from "../chain/errors";
import { readEntitlement, readOffer, readStep } from "../chain/read";
import type { OfferTerms, StepState } from "../chain/types";
import { isProtocolError } from "../protocol/errors";
import { type ActionResult, sendFinalize, sendReclaim, sendSettleLapsed } from "./actions";
import { DEFAULT_KEEPER_BACKOFF, RetryBook, backoffMs } from "./backoff";
import { claimStep } from "./claimStep";
import { type ConsumedStep, type MarketRef, stepKey } from "./consumedStep";
import type { KeeperCursor } from "./cursor";
import { KeeperErrorCode } from "./errors";
import { findConsumed, readChainTime } from "./follow";
import { followCursor } from "./followCursor";
import type { KeeperAction, KeeperOptions, TickReport } from "./options";
import type { Quorum } from "./quorum";

const TERMINAL = new Set(["Settled", "Refunded"]);
/** Blocks per getLogs request unless configured (KeeperOptions.maxBlockRange). */
const DEFAULT_MAX_BLOCK_RANGE = 2000n;

/** A keeper over one market. `tick()` is one pass; `run()` loops until aborted. */
export class Keeper {
  private state: KeeperCursor | undefined;
  private readonly ref: MarketRef;
  private readonly retries: RetryBook;
  private readonly offerOfEntitlement = new Map<bigint, bigint>();
  private readonly terms = new Map<bigint, OfferTerms>();

  constructor(private readonly o: KeeperOptions) {
    this.ref = { chainId: o.chainId, market: o.writer.market };
    this.retries = new RetryBook(o.backoff ?? DEFAULT_KEEPER_BACKOFF);
  }

  /** The cursor as the keeper holds it now (after the last pass). */
  get cursor(): KeeperCursor | undefined {
    return this.state;
  }

  private async load(): Promise<KeeperCursor> {
    this.state ??= (await this.o.cursor.load(this.ref)) ?? {
      chainId: this.ref.chainId,
      market: this.ref.market,
      nextBlock: this.o.startBlock,
      lastBlock: undefined,
      pending: [],
    };
    return this.state;
  }

  private async save(next: KeeperCursor): Promise<void> {
    await this.o.cursor.save(next);
    this.state = next;
    this.o.metrics?.pending.set(next.pending.length);
    if (next.lastBlock !== undefined) this.o.metrics?.cursorBlock.set(Number(next.lastBlock.number));
  }

  private async offerTermsOf(entitlementId: bigint): Promise<{ offerId: bigint; terms: OfferTerms }> {
    let offerId = this.offerOfEntitlement.get(entitlementId);
    if (offerId === undefined) {
      offerId = (await readEntitlement(this.o.writer, entitlementId)).offerId;
      this.offerOfEntitlement.set(entitlementId, offerId);
    }
    let terms = this.terms.get(offerId);
    if (terms === undefined) {
      terms = (await readOffer(this.o.writer, offerId)).terms;
      this.terms.set(offerId, terms);
    }
    return { offerId, terms };
  }

  /** Scans newly confirmed blocks (rewinding first if a scanned block changed) and saves the cursor. */
  private async follow(): Promise<{ head: bigint; scannedTo: bigint | undefined; found: number }> {
    const before = await this.load();
    const o = this.o;
    const followed = await followCursor(before, {
      reader: o.writer,
      startBlock: o.startBlock,
      confirmations: o.confirmations,
      maxBlockRange: o.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE,
      reorgRewindBlocks: o.reorgRewindBlocks ?? 64n,
      wanted: async (e) =>
        o.offerIds === undefined || o.offerIds.includes((await this.offerTermsOf(e.entitlementId)).offerId),
      logger: o.logger,
      ...(o.metrics === undefined ? {} : { metrics: o.metrics }),
    });
    if (followed.cursor !== before) await this.save(followed.cursor);
    o.metrics?.headBlock.set(Number(followed.head));
    return { head: followed.head, scannedTo: followed.scannedTo, found: followed.found };
  }

  /** One pass: follow the chain, then move every pending step on. RPC failures throw (run() backs off). */
  async tick(): Promise<TickReport> {
    const followed = await this.follow();
    const now = await readChainTime(this.o.writer.publicClient);
    let actions = 0;
    for (const step of [...(this.state?.pending ?? [])]) {
      const { done, acted } = await this.advance(step, now);
      if (acted) actions++;
      if (done) {
        const c = this.state!;
        await this.save({ ...c, pending: c.pending.filter((p) => stepKey(p) !== stepKey(step)) });
      }
    }
    return { ...followed, pending: this.state?.pending.length ?? 0, actions };
  }

  private enabled(action: KeeperAction): boolean {
    return !(this.o.disabled ?? []).includes(action);
  }

  private report(action: KeeperAction, step: ConsumedStep, result: ActionResult, quorum?: Quorum): void {
    this.o.metrics?.actions.inc({ action, result: result.kind });
    const fields = { action, entitlementId: step.entitlementId.toString(), step: step.step, result: result.kind };
    this.o.logger.info(
      result.kind === "sent" ? { ...fields, txHash: result.txHash } : fields,
      `${action} ${result.kind}`,
    );
    this.o.onEvent?.({
      kind: "action",
      action,
      entitlementId: step.entitlementId,
      step: step.step,
      result,
      ...(quorum === undefined ? {} : { quorum }),
    });
  }

  /** Sends a settling action (finalize, reclaim, settleLapsed); done once sent (the step is then terminal). */
  private async settle(action: KeeperAction, step: ConsumedStep, send: () => Promise<ActionResult>) {
    if (!this.enabled(action)) return { done: false, acted: false };
    const result = await send();
    this.report(action, step, result);
    return { done: result.kind === "sent", acted: true };
  }

  /** Moves one step on from its on-chain status; `done` when the keeper can forget it. */
  private async advance(step: ConsumedStep, now: bigint): Promise<{ done: boolean; acted: boolean }> {
    const w = this.o.writer;
    const id = step.entitlementId;
    const s = await readStep(w, id, step.step);
    if (TERMINAL.has(s.status)) return { done: true, acted: false };
    if (s.status === "None" || !step.permitDigest.toLowerCase().startsWith(s.permitDigestPrefix.toLowerCase())) {
      // Consumed in a block that was reorged away (or with another permit): a rescan finds what is true now.
      this.o.logger.warn(
        { entitlementId: id.toString(), step: step.step },
        "step not consumed with this permit; dropped",
      );
      return { done: true, acted: false };
    }
    const { terms } = await this.offerTermsOf(id);
    if (s.status === "Claimed") {
      if (now < s.claimedAt + BigInt(terms.disputeWindow)) return { done: false, acted: false };
      return this.settle("finalize", step, () => sendFinalize(w, id, step.step));
    }
    if (s.status === "Disputed") {
      if (now < s.disputedAt + BigInt(terms.arbiterTimeout)) return { done: false, acted: false };
      return this.settle("settleLapsed", step, () => sendSettleLapsed(w, id, step.step));
    }
    if (now >= s.consumedAt + BigInt(terms.stepTimeout)) {
      return this.settle("reclaim", step, () => sendReclaim(w, id, step.step));
    }
    if (!this.enabled("claim")) return { done: false, acted: false };
    return this.tryClaim(step, terms);
  }

  /** Claims a consumed step when its fromStep holds a certificate; failures are retried with backoff. */
  private async tryClaim(step: ConsumedStep, terms: OfferTerms): Promise<{ done: boolean; acted: boolean }> {
    const key = stepKey(step);
    const nowMs = this.o.clock().getTime();
    if (!this.retries.due(key, nowMs)) return { done: false, acted: false };
    let from: StepState | undefined;
    if (step.fromStep !== 0) {
      from = await readStep(this.o.writer, step.entitlementId, step.fromStep);
      if (BigInt(from.certificateHash) === 0n) return { done: false, acted: false }; // claimed after its fromStep
    }
    try {
      const outcome = await claimStep(
        {
          writer: this.o.writer,
          ref: this.ref,
          evidence: this.o.evidence,
          attestations: this.o.attestations,
          consumedOf: (id, n) => this.consumedOf(id, n),
        },
        step,
        from,
        { verifiers: terms.verifiers as readonly Address[], quorum: terms.quorum },
      );
      this.retries.clear(key);
      this.report("claim", step, outcome.result, outcome.quorum);
      return { done: false, acted: true };
    } catch (err) {
      if (isProtocolError(err, ChainErrorCode.CALL_FAILED)) throw err;
      const code = isProtocolError(err) ? err.code : "KEEPER_INTERNAL";
      const message = err instanceof Error ? err.message : "unexpected failure";
      const retryInMs = this.retries.failed(key, nowMs);
      this.o.metrics?.errors.inc({ code });
      this.o.logger.warn(
        { entitlementId: step.entitlementId.toString(), step: step.step, code, retryInMs },
        `claim not possible yet: ${message}`,
      );
      this.o.onEvent?.({ kind: "retry", entitlementId: step.entitlementId, step: step.step, code, message, retryInMs });
      return { done: false, acted: false };
    }
  }

  /**
   * A step's StepConsumed event: from the pending set, else looked up on-chain from the keeper's start block (the
   * market's deploy block, or later: a step consumed before it is outside what this keeper follows), in chunks.
   */
  private async consumedOf(entitlementId: bigint, n: number): Promise<ConsumedStep | undefined> {
    const known = this.state?.pending.find((p) => p.entitlementId === entitlementId && p.step === n);
    const range = this.o.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE;
    return known ?? findConsumed(this.o.writer, entitlementId, n, this.o.startBlock, range);
  }

  /** Runs passes every `pollMs` until `signal` aborts; RPC failures back off exponentially (capped). */
  async run(options: { signal: AbortSignal; pollMs: number; sleep: (ms: number) => Promise<void> }): Promise<void> {
    let failures = 0;
    while (!options.signal.aborted) {
      try {
        await this.tick();
        failures = 0;
        await options.sleep(options.pollMs);
      } catch (err) {
        const code = isProtocolError(err) ? err.code : "KEEPER_INTERNAL";
        if (code === KeeperErrorCode.CURSOR_INVALID || code === KeeperErrorCode.CONFIG_INVALID) throw err;
        const delay = backoffMs(failures++, this.o.backoff ?? DEFAULT_KEEPER_BACKOFF);
        this.o.metrics?.errors.inc({ code });
        this.o.logger.warn({ code, retryInMs: delay }, `pass failed: ${err instanceof Error ? err.message : code}`);
        await options.sleep(delay);
      }
    }
  }
}

/** A keeper's pending step keys (for tests and status output). */
export function pendingKeys(cursor: KeeperCursor | undefined): string[] {
  return (cursor?.pending ?? []).map(stepKey);
}
