import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";

import { anyAction } from "./model/commands";
import { type World, initialModel, modelMarketFixture } from "./model/world";

const NUM_RUNS = Number(process.env.SWARM_MODEL_RUNS ?? 200);
const SEED = Number(process.env.SWARM_MODEL_SEED ?? 42);
const MAX_COMMANDS = 25;

/**
 * Outcomes the sequences must have produced at least once (checked from 200 runs on), so that a change to the
 * generators cannot quietly stop exercising a path: every action succeeding, the rejections the brief names, and
 * both sides of every window boundary ("@end" runs at start + window, "@end-1" one second before).
 */
const MUST_SEE = [
  ...["purchase", "cancel", "consume", "claim", "dispute", "rule", "settleLapsedDispute", "accept"].map(
    (a) => `${a}:ok`,
  ),
  ...["finalize", "reclaim", "withdraw"].map((a) => `${a}:ok`),
  "rule:seller won",
  "rule:buyer won",
  "wait",
  "waitForBoundary",
  "purchase:IncorrectPayment",
  "purchase:UnexpectedValue",
  "consume:StepOutOfOrder",
  "consume:StepsExhausted",
  "consume(deadline exact):ok",
  "consume(deadline passed):PermitExpired",
  "claim:FromStepNotClaimed",
  "claim:PrevCertificateMismatch",
  "claim:QuorumNotReached",
  "claim:InvalidStepStatus(Settled)",
  "dispute:StepAlreadyContinued",
  "finalize:InvalidStepStatus(Settled)",
  "withdraw:NothingToWithdraw",
  ...["claim", "dispute", "rule"].flatMap((a) => [`${a}:ok@end-1`, `${a}:WindowClosed@end`]),
  ...["reclaim", "finalize", "settleLapsedDispute"].flatMap((a) => [`${a}:WindowNotElapsed@end-1`, `${a}:ok@end`]),
];

describe("SwarmMarket model", function () {
  this.timeout(60 * 60 * 1000);

  it("agrees with the reference model on every action and keeps escrow, credits and bonds balanced", async () => {
    const coverage = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.commands([anyAction], { maxCommands: MAX_COMMANDS, size: "max" }), async (actions) => {
        const setup = async () => {
          const fx = await loadFixture(modelMarketFixture);
          const real: World = { fx, observed: new Map(), coverage };
          return { model: await initialModel(fx), real };
        };
        await fc.asyncModelRun(setup, actions);
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
    if (process.env.SWARM_MODEL_COVERAGE) {
      console.log(
        [...coverage]
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join("\n"),
      );
    }
    if (NUM_RUNS >= 200) {
      expect(
        MUST_SEE.filter((label) => !coverage.has(label)),
        "outcomes never produced",
      ).to.deep.equal([]);
    }
  });
});
