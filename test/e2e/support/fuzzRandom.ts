/** The fuzz seed when `SWARM_FUZZ_SEED` does not name one. */
export const DEFAULT_FUZZ_SEED = 0x5a4d_2026;
/** How many requests the fuzz test sends when `SWARM_FUZZ_REQUESTS` does not say. */
export const DEFAULT_FUZZ_REQUESTS = 5_000;

/** The fuzz run's seed and size from the environment (read once, at the test's edge), else the defaults. */
export function fuzzSettings(env: Record<string, string | undefined>): { seed: number; requests: number } {
  const seed = env.SWARM_FUZZ_SEED === undefined ? DEFAULT_FUZZ_SEED : Number(env.SWARM_FUZZ_SEED);
  const requests = env.SWARM_FUZZ_REQUESTS === undefined ? DEFAULT_FUZZ_REQUESTS : Number(env.SWARM_FUZZ_REQUESTS);
  if (!Number.isSafeInteger(seed)) throw new Error("SWARM_FUZZ_SEED must be an integer");
  if (!Number.isSafeInteger(requests) || requests < 1)
    throw new Error("SWARM_FUZZ_REQUESTS must be a positive integer");
  return { seed: seed >>> 0, requests };
}

const PRINTABLE = [
  ..." !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
];
const EXOTIC = ["\u0000", "\u202e", "\ud83d\ude00", "\u00e9", "\uff11", "\u2028", "\ufeff", "\\", '"', "%00", "%ZZ"];

/**
 * A seeded pseudo-random source (mulberry32): the same seed gives the same sequence of requests, so a failing
 * run is replayed with `SWARM_FUZZ_SEED`. Not for keys or anything secret.
 */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A string of up to `max` characters: printable ASCII with some exotic code points mixed in. */
  text(max: number): string {
    const n = this.int(max + 1);
    let s = "";
    for (let i = 0; i < n; i++) s += this.chance(0.1) ? this.pick(EXOTIC) : this.pick(PRINTABLE);
    return s;
  }

  /** Lowercase hex of `bytes` random bytes, 0x-prefixed. */
  hex(bytes: number): string {
    return `0x${Buffer.from(this.bytes(bytes)).toString("hex")}`;
  }

  /** A random JSON value, nested at most `depth` deep. */
  json(depth: number): unknown {
    const kind = this.int(depth > 0 ? 8 : 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, this.int(1_000_000)]);
      case 3:
        return this.text(24);
      case 4:
        return this.pick([
          "0",
          "1",
          "01",
          "-1",
          "0x1",
          "1e3",
          " 1",
          "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        ]);
      case 5:
        return this.hex(this.pick([0, 1, 20, 32, 65]));
      case 6:
        return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.text(8), this.json(depth - 1)]));
    }
  }
}
