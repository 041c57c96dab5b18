import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { systemClock } from "../../client/src/protocol/clock";
import { devAccount } from "../../devnet/stack";
import { buySteps, seedGenesis } from "./buyer";
import type { Cleanup } from "./cleanup";
import type { OutputLayout } from "./outputDir";
import { replayStepOne } from "./replay";
import { demoRoles } from "./roles";
import type { RunnerContext } from "./runner";
import { DEMO_DISPUTE_WINDOW, publishDemoOffer } from "./seller";
import { startServices, timed } from "./services";
import { disputeAndRule, readOutput, settleTheRest } from "./settleFlow";
import { type PlayedStep, type StepFlowContext, playStep } from "./stepFlow";
import { type Story, fmt } from "./story";
import { type DemoSummary, recordTx } from "./summary";
import { startVerifierAndKeeper } from "./verifierAndKeeper";
import { type DemoWitness, startDemoWitness } from "./witness";
import { exportEvidenceBundle, gatewayLogPin } from "./evidenceBundle";
import { GENESIS_STATE } from "./workload";

/** Steps bought, and steps run (the last one bought is left unused, then cancelled). */
export const STEPS_BOUGHT = 4;
export const STEPS_RUN = 3;
/** The step the buyer disputes: the last one run (a step a later permit continued from cannot be disputed). */
export const DISPUTED_STEP = STEPS_RUN;
/** Run ids the development issuer gives the demo's jobs: RUN_ID_BASE + step. */
const RUN_ID_BASE = 7_000_000_000n;

/** What the demo runs with. */
export interface DemoRun {
  readonly out: OutputLayout;
  readonly cleanup: Cleanup;
  readonly story: Story;
  readonly summary: DemoSummary;
}

/**
 * The whole demo: services up; the seller publishes; the buyer buys and seeds the genesis state; the verifier
 * service and the keeper start; three steps run end to end (each verified by the verifier service and claimed by
 * the keeper on its own); two replays are refused; the last step is disputed and ruled on; time passes and the
 * keeper finalizes the rest, the buyer cancels what it did not use, everyone withdraws; the buyer reads the final
 * output; a witness cosigns the gateway's log along the way, and the buyer exports the entitlement's evidence
 * bundle, which an auditor verifies offline with pinned keys.
 */
export async function runDemo({ out, cleanup, story, summary }: DemoRun): Promise<void> {
  /** Runs one part of the demo and records how long it took. */
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const { value, ms } = await timed(work);
    summary.timings[name] = Math.round(ms);
    return value;
  };
  const services = await phase("setupMs", () => startServices(cleanup, story, out, summary));
  const { stack, sigstore } = services;
  summary.chainId = stack.chain.id.toString();
  summary.market = stack.market.toLowerCase();
  const roles = demoRoles(stack);
  const clock = systemClock;
  const witness: DemoWitness = startDemoWitness({
    gatewayUrl: services.gateway.url,
    ...(await gatewayLogPin(services)),
    stateDir: out.witness,
    clock,
  });

  const { offer, id } = await phase("offerAndPurchaseMs", async () => {
    story.section("seller and buyer");
    const offer = await publishDemoOffer(stack, roles, devAccount("arbiter").address);
    await writeFile(out.policy, offer.capsuleBytes);
    recordTx(summary, { action: "publish offer", actor: "seller", txHash: offer.txHash, gas: offer.gas });
    story.say("seller", `published offer #${offer.offerId}: ${fmt.eth(offer.terms.pricePerStep)} per step`, {
      gas: offer.gas,
    });
    story.detail(`workflow ${offer.capsule.identity.jobWorkflowRef} at commit ${offer.terms.commit}`);
    const { maxSeconds, maxStateBytes } = offer.capsule.limits;
    story.detail(`policy ${offer.policyHash}: no egress, ${maxSeconds} s and ${maxStateBytes} bytes of state a step`);
    story.detail(
      `verifier ${offer.terms.verifiers.join(", ")} (quorum ${offer.terms.quorum}), arbiter ${offer.terms.arbiter}`,
    );
    const windows = `dispute window ${offer.terms.disputeWindow / 3600} h, bond ${fmt.eth(offer.terms.disputeBond)}`;
    story.detail(`${windows}, step timeout ${offer.terms.stepTimeout / 3600} h`);
    if (offer.offerId > 1n) story.detail("(the offers before it are the development stack's own fixtures)");
    summary.offer = {
      offerId: offer.offerId.toString(),
      pricePerStep: offer.terms.pricePerStep.toString(),
      disputeBond: offer.terms.disputeBond.toString(),
      disputeWindow: DEMO_DISPUTE_WINDOW.toString(),
      policyHash: offer.policyHash,
    };

    const bought = await buySteps(roles, offer.offerId, STEPS_BOUGHT);
    recordTx(summary, { action: "purchase", actor: "buyer", txHash: bought.txHash, gas: bought.gas });
    const id = bought.entitlementId;
    story.say("buyer", `bought ${STEPS_BOUGHT} steps → entitlement #${id}, ${fmt.eth(bought.amount)} escrowed`, {
      gas: bought.gas,
    });
    const genesis = await seedGenesis(roles, services.gatewayClient, {
      entitlementId: id,
      state: GENESIS_STATE,
      evidenceDir: out.evidence,
      clock,
    });
    story.say("buyer", `genesis state ${JSON.stringify(GENESIS_STATE)} sealed under stateKey(0) from the gateway`);
    story.detail(
      `sha256 ${genesis.sha256} → ${path.relative(out.root, genesis.file)} (receipt #${genesis.receiptSeq})`,
    );
    summary.entitlement = { entitlementId: id.toString(), stepsBought: STEPS_BOUGHT, genesisStateHash: genesis.sha256 };
    return { offer, id };
  });

  const trust = { trustedRoot: sigstore.trustedRoot, capsule: offer.capsule, commit: offer.terms.commit };
  const market = { chainId: BigInt(stack.chain.id), address: stack.market };
  const runner: RunnerContext = {
    issuer: stack.issuer,
    sigstore,
    gateway: services.gatewayClient,
    market,
    offer,
    entitlementId: id,
    evidenceDir: out.evidence,
    workDir: services.workDir,
    trust,
    clock,
  };
  const { verifier, keeper } = await phase("verifierAndKeeperMs", () =>
    startVerifierAndKeeper({ services, roles, out, cleanup, story, capsuleBytes: offer.capsuleBytes }),
  );
  const ctx: StepFlowContext = { runner, verifier, keeper, roles, story, summary, out, rpcUrl: stack.node.url };

  const played: PlayedStep[] = [];
  await phase("stepsMs", async () => {
    for (let step = 1; step <= STEPS_RUN; step++) {
      played.push(await playStep(ctx, step, step - 1, RUN_ID_BASE + BigInt(step)));
    }
    const cosigned = await witness.cosignLatest();
    const seen = cosigned.firstSeen ? "first seen" : `extends ${cosigned.previous?.treeSize}`;
    story.say("witness", `cosigned the gateway's checkpoint of ${cosigned.checkpoint.treeSize} receipts (${seen})`);
    story.detail(`${witness.verifierKey.split("+")[0]}: checks each next checkpoint extends it before cosigning`);
  });

  await phase("replaysMs", async () => {
    story.section("replays: a used permit is worth nothing");
    summary.replays = await replayStepOne(runner, roles, played[0]!.job, played[0]!.outcome, clock);
    for (const r of summary.replays) {
      story.say("attacker", r.attempt);
      story.say("gateway", `refused: ${r.code} (HTTP ${r.status}); no caps, nothing consumed, refusal receipted`);
    }
  });

  await phase("disputeMs", () => disputeAndRule(ctx, played[DISPUTED_STEP - 1]!));
  const undisputed = played.map((p) => p.outcome.permit.step).filter((s) => s !== DISPUTED_STEP);
  await phase("settlementMs", () => settleTheRest(ctx, undisputed));
  await phase("readOutputMs", () => readOutput(ctx, DISPUTED_STEP));
  const pending = await keeper.stop();
  story.say("keeper", `stopped with ${pending} step(s) pending; its cursor → keeper-cursor.json`);
  await phase("bundleMs", () => exportEvidenceBundle(ctx, services, witness, { entitlementId: id, clock }));

  story.section("the record");
  await services.stopGateway();
  const receipts = (await readFile(out.receipts, "utf8")).split("\n").filter((l) => l !== "").length;
  story.say("gateway", `stopped; its ledger holds ${receipts} signed, hash-chained receipts → receipts.ndjson`);
  story.say("sigstore", `its Rekor log holds ${sigstore.logSize} entries, one per attested certificate`);
  printStepTable(story, summary);
  story.say("", `total gas ${fmt.gas(BigInt(summary.totalGas))} over ${summary.transactions.length} transactions`);
}

/** One line per step: what it cost and how it ended. */
function printStepTable(story: Story, summary: DemoSummary): void {
  story.plain("");
  story.plain("  step  from  run          consume gas  claim gas  certificate          settled by    status   time");
  for (const s of summary.steps) {
    story.plain(
      `  ${String(s.step).padEnd(4)}  ${String(s.fromStep).padEnd(4)}  ${s.runId.padEnd(11)}  ` +
        `${fmt.gas(BigInt(s.consumeGas)).padStart(11)}  ${fmt.gas(BigInt(s.claimGas)).padStart(9)}  ` +
        `${fmt.hex(s.certificateHash, 16).padEnd(19)}  ${(s.settledBy ?? "-").padEnd(12)}  ` +
        `${(s.status ?? "-").padEnd(7)}  ${fmt.seconds(s.ms.total)}`,
    );
  }
  story.plain("");
}
