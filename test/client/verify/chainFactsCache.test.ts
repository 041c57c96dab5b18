import { expect } from "chai";

import type { ConsumedFacts, OfferFacts } from "../../../client/src/verify/chainFacts";
import { ChainFactsCache } from "../../../client/src/verify/chainFactsCache";

const SCOPE = "31337/0x5fbdb2315678afecb367f032d93f642f64180aa3";

function event(step: number, blockNumber: bigint): ConsumedFacts {
  return {
    step,
    fromStep: step - 1,
    permitDigest: `0x${"11".repeat(32)}`,
    workerKey: `0x${"22".repeat(32)}`,
    runId: 1n,
    runAttempt: 1,
    blockNumber,
    txHash: `0x${"33".repeat(32)}`,
  };
}

const OFFER: OfferFacts = {
  offerId: 1n,
  commit: `0x${"44".repeat(20)}`,
  policyHash: `0x${"55".repeat(32)}`,
  gateway: "0x0000000000000000000000000000000000000001",
  allowUnboundRuns: false,
};

describe("client/verify chain facts cache", () => {
  it("keeps only events in final blocks, and scans on from the block after the last final one", () => {
    const cache = new ChainFactsCache({ finalityDepth: 2n });
    cache.rememberConsumed(SCOPE, 10n, 7n, { scannedFrom: 10n, finalTo: 20n, events: [event(1, 15n), event(2, 21n)] });
    const known = cache.knownConsumed(SCOPE, 10n, 7n)!;
    expect(known.nextBlock).to.equal(21n);
    expect([...known.events.keys()]).to.deep.equal([1]); // step 2's block was above the final depth
  });

  it("refuses a scan that would leave a gap (started after a block it never saw)", () => {
    const cache = new ChainFactsCache();
    cache.rememberConsumed(SCOPE, 10n, 7n, { scannedFrom: 12n, finalTo: 20n, events: [] });
    expect(cache.knownConsumed(SCOPE, 10n, 7n)).to.equal(undefined);
    cache.rememberConsumed(SCOPE, 10n, 7n, { scannedFrom: 10n, finalTo: 20n, events: [] });
    cache.rememberConsumed(SCOPE, 10n, 7n, { scannedFrom: 30n, finalTo: 40n, events: [event(3, 35n)] });
    expect(cache.knownConsumed(SCOPE, 10n, 7n)!.nextBlock).to.equal(21n);
  });

  it("keys by chain, market and start block: another market's scan is not reused", () => {
    const cache = new ChainFactsCache();
    cache.rememberConsumed(SCOPE, 10n, 7n, { scannedFrom: 10n, finalTo: 20n, events: [event(1, 15n)] });
    expect(cache.knownConsumed("31337/0x0000000000000000000000000000000000000002", 10n, 7n)).to.equal(undefined);
    expect(cache.knownConsumed(SCOPE, 0n, 7n)).to.equal(undefined);
    cache.rememberOffer(SCOPE, OFFER);
    expect(cache.offer(SCOPE, 1n)).to.deep.equal(OFFER);
    expect(cache.offer("1/0x0000000000000000000000000000000000000002", 1n)).to.equal(undefined);
  });

  it("stays bounded: drops the least recently used entitlement beyond its entitlement and event limits", () => {
    const cache = new ChainFactsCache({ maxEntitlements: 2, maxEvents: 3, maxOffers: 1 });
    const scan = (id: bigint, n: number) =>
      cache.rememberConsumed(SCOPE, 0n, id, {
        scannedFrom: 0n,
        finalTo: 100n,
        events: Array.from({ length: n }, (_, i) => event(i + 1, 5n)),
      });
    scan(1n, 1);
    scan(2n, 1);
    cache.knownConsumed(SCOPE, 0n, 1n); // 1 is now the most recently used
    scan(3n, 1);
    expect(cache.knownConsumed(SCOPE, 0n, 2n)).to.equal(undefined);
    expect(cache.knownConsumed(SCOPE, 0n, 1n)).to.not.equal(undefined);
    scan(4n, 3); // over the event limit: older entitlements go first
    expect(cache.knownConsumed(SCOPE, 0n, 1n)).to.equal(undefined);
    expect(cache.knownConsumed(SCOPE, 0n, 3n)).to.equal(undefined);
    expect(cache.knownConsumed(SCOPE, 0n, 4n)!.events.size).to.equal(3);
    cache.rememberOffer(SCOPE, OFFER);
    cache.rememberOffer(SCOPE, { ...OFFER, offerId: 2n });
    expect(cache.offer(SCOPE, 1n)).to.equal(undefined);
  });
});
