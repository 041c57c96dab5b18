import type { ConsumedFacts, OfferFacts } from "./chainFacts";

/*
 * A small, bounded cache of the chain facts that cannot change once final, so that a verifier service does not
 * re-read an entitlement's StepConsumed logs from the market's deploy block on every request.
 *
 * What is cached, and why it is safe:
 * - A StepConsumed event in a block at least `finalityDepth` blocks below the head read for the request. The
 *   market lets a step be consumed once, so a final event never changes. Per entitlement the cache keeps those
 *   events and `coveredTo`, the last final block scanned: the next request scans only blocks after it.
 *   "Not consumed" is never cached: a step without an event is looked for again in every block after `coveredTo`,
 *   and events in blocks above the final depth are used for the request but not kept (a reorg may drop them).
 * - Offer terms by offerId. Offers are immutable once published (only `retired` changes, which verification does
 *   not read), but ids are a counter: an offer published in a block that a reorg drops could come back as another
 *   offer under the same id. So terms are kept only once an entitlement of the offer has a final consumed step:
 *   the offer was published before that entitlement was bought, before the step was consumed, so it is final too.
 *
 * Never cached: the entitlement (its `consumed` counter grows) and step records (status and certificate hash change
 * at claim, dispute and settlement); they are read on every request. A reorg deeper than `finalityDepth` is outside
 * what this cache tolerates, like the keeper's confirmation depth: choose it for the chain.
 */

/** Default depth below the head at which a block counts as final here (the keeper's reorg rewind is 64 too). */
export const DEFAULT_FINALITY_DEPTH = 64n;

/** Limits of the cache. */
export interface ChainFactsCacheOptions {
  /** Blocks below the head before an event is cached (default DEFAULT_FINALITY_DEPTH). */
  readonly finalityDepth?: bigint;
  /** Entitlements whose consumed events are kept (least recently used dropped first; default 1024). */
  readonly maxEntitlements?: number;
  /** Consumed events kept in all (default 65,536). */
  readonly maxEvents?: number;
  /** Offers kept (default 1024). */
  readonly maxOffers?: number;
}

interface ConsumedEntry {
  coveredTo: bigint;
  readonly events: Map<number, ConsumedFacts>;
}

/** Where a request's StepConsumed scan starts, and the final events already known below it. */
export interface KnownConsumed {
  readonly nextBlock: bigint;
  readonly events: ReadonlyMap<number, ConsumedFacts>;
}

/** A bounded cache of final chain facts, shared by the requests of one verifier service. */
export class ChainFactsCache {
  readonly finalityDepth: bigint;
  private readonly maxEntitlements: number;
  private readonly maxEvents: number;
  private readonly maxOffers: number;
  private readonly offers = new Map<string, OfferFacts>();
  private readonly consumed = new Map<string, ConsumedEntry>();
  private eventCount = 0;

  constructor(options: ChainFactsCacheOptions = {}) {
    this.finalityDepth = options.finalityDepth ?? DEFAULT_FINALITY_DEPTH;
    if (this.finalityDepth < 0n) throw new RangeError("finalityDepth must not be negative");
    this.maxEntitlements = options.maxEntitlements ?? 1024;
    this.maxEvents = options.maxEvents ?? 65_536;
    this.maxOffers = options.maxOffers ?? 1024;
  }

  /** The cached terms of an offer (scope: chain id and market). */
  offer(scope: string, offerId: bigint): OfferFacts | undefined {
    return touch(this.offers, `${scope}/${offerId}`);
  }

  /** Keeps an offer's terms; call only once it is known to be final (see above). */
  rememberOffer(scope: string, offer: OfferFacts): void {
    this.offers.delete(`${scope}/${offer.offerId}`);
    this.offers.set(`${scope}/${offer.offerId}`, offer);
    while (this.offers.size > this.maxOffers) this.offers.delete(this.offers.keys().next().value!);
  }

  /** The final consumed events of an entitlement scanned from `fromBlock`, and where to scan next. */
  knownConsumed(scope: string, fromBlock: bigint, entitlementId: bigint): KnownConsumed | undefined {
    const entry = touch(this.consumed, `${scope}/${fromBlock}/${entitlementId}`);
    return entry === undefined ? undefined : { nextBlock: entry.coveredTo + 1n, events: new Map(entry.events) };
  }

  /**
   * Records a scan of `[scannedFrom, …]` whose blocks up to `finalTo` are final, with the events found in them.
   * Kept only when it joins what is known without a gap (a scan from `fromBlock`, or from at most `coveredTo + 1`).
   */
  rememberConsumed(
    scope: string,
    fromBlock: bigint,
    entitlementId: bigint,
    scan: { readonly scannedFrom: bigint; readonly finalTo: bigint; readonly events: readonly ConsumedFacts[] },
  ): void {
    const key = `${scope}/${fromBlock}/${entitlementId}`;
    if (scan.finalTo < scan.scannedFrom) return;
    let entry = this.consumed.get(key);
    if (entry === undefined) {
      if (scan.scannedFrom !== fromBlock) return;
      entry = { coveredTo: fromBlock - 1n, events: new Map() };
    } else if (scan.scannedFrom > entry.coveredTo + 1n) return;
    if (scan.finalTo <= entry.coveredTo) return;
    for (const e of scan.events) {
      if (e.blockNumber > scan.finalTo || e.blockNumber < scan.scannedFrom || entry.events.has(e.step)) continue;
      entry.events.set(e.step, e);
      this.eventCount++;
    }
    entry.coveredTo = scan.finalTo;
    this.consumed.delete(key);
    this.consumed.set(key, entry);
    while (this.consumed.size > this.maxEntitlements || this.eventCount > this.maxEvents) {
      const [oldest, dropped] = this.consumed.entries().next().value!;
      this.consumed.delete(oldest);
      this.eventCount -= dropped.events.size;
    }
  }
}

/** A Map lookup that marks the entry most recently used. */
function touch<T>(map: Map<string, T>, key: string): T | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}
