import { expect } from "chai";
import { GatewayError } from "../../../gateway/src/errors";
import { TokenBucketLimiter } from "../../../gateway/src/http/rateLimiter";
import { manualClock } from "./harness";

describe("gateway/http TokenBucketLimiter", () => {
  const limiter = (overrides: Partial<{ ratePerSecond: number; burst: number; maxKeys: number }> = {}) => {
    const time = manualClock();
    const l = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, maxKeys: 100, clock: time.clock, ...overrides });
    return { l, time };
  };

  it("allows a burst, then refuses with the seconds until one token is back", () => {
    const { l } = limiter({ ratePerSecond: 0.25 });
    for (let i = 0; i < 3; i++) expect(l.take("a")).to.deep.equal({ allowed: true });
    expect(l.take("a")).to.deep.equal({ allowed: false, retryAfterSeconds: 4 });
  });

  it("refills at the configured rate", () => {
    const { l, time } = limiter();
    for (let i = 0; i < 3; i++) l.take("a");
    expect(l.take("a").allowed).to.equal(false);
    time.advance(499);
    expect(l.take("a").allowed).to.equal(false);
    time.advance(1);
    expect(l.take("a").allowed).to.equal(true);
    expect(l.take("a").allowed).to.equal(false);
  });

  it("keeps keys apart: one flooding key does not limit another", () => {
    const { l } = limiter();
    for (let i = 0; i < 10; i++) l.take("flood");
    expect(l.take("other").allowed).to.equal(true);
  });

  it("does not refill when the clock steps back", () => {
    const { l, time } = limiter();
    for (let i = 0; i < 3; i++) l.take("a");
    time.advance(-60_000);
    expect(l.take("a").allowed).to.equal(false);
  });

  it("never tracks more than maxKeys, however many addresses a flood comes from", () => {
    const { l } = limiter({ maxKeys: 50 });
    for (let i = 0; i < 10_000; i++) l.take(`10.0.${i >> 8}.${i & 255}`);
    expect(l.size).to.equal(50);
  });

  it("forgets keys whose buckets have refilled, so idle addresses cost no memory", () => {
    const { l, time } = limiter();
    for (let i = 0; i < 40; i++) l.take(`idle-${i}`);
    expect(l.size).to.equal(40);
    time.advance(10_000);
    for (let i = 0; i < 5; i++) l.take("active");
    expect(l.size).to.equal(1);
  });

  it("keeps a limited key's state when the map is not full, so a retry inside the window is still refused", () => {
    const { l, time } = limiter();
    for (let i = 0; i < 4; i++) l.take("a");
    time.advance(100);
    for (let i = 0; i < 20; i++) l.take(`b-${i}`);
    expect(l.take("a").allowed).to.equal(false);
  });

  it("refuses a nonsensical configuration with HTTP_CONFIG_INVALID", () => {
    for (const bad of [{ ratePerSecond: 0 }, { burst: 0 }, { maxKeys: 1.5 }, { ratePerSecond: Infinity }]) {
      expect(() => limiter(bad))
        .to.throw(GatewayError)
        .with.property("code", "HTTP_CONFIG_INVALID");
    }
  });
});
