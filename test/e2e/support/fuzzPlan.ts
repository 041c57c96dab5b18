import type { FuzzRandom } from "./fuzzRandom";
import { FUZZ_KINDS, type FuzzRequest, type FuzzTargets } from "./fuzzRequests";
import { randomRequest, readRoute } from "./fuzzRoutes";

type Make = (rng: FuzzRandom, t: FuzzTargets) => FuzzRequest;

/** Every kind of request with its weight: the mutations of valid requests, the reads, and pure noise. */
const KINDS: readonly (readonly [number, Make])[] = [...FUZZ_KINDS, [10, readRoute], [11, randomRequest]];

/**
 * `count` requests drawn from the seeded source: every kind once first (so a small run still covers them all),
 * then kinds by weight. The same seed gives the same sequence of mutations; keys and jtis are fresh each run.
 */
export function fuzzPlan(rng: FuzzRandom, targets: FuzzTargets, count: number): FuzzRequest[] {
  const total = KINDS.reduce((sum, [w]) => sum + w, 0);
  const draw = (): Make => {
    let x = rng.int(total);
    for (const [w, make] of KINDS) if ((x -= w) < 0) return make;
    return KINDS[0]![1];
  };
  return Array.from({ length: count }, (_, i) => (i < KINDS.length ? KINDS[i]![1] : draw())(rng, targets));
}
