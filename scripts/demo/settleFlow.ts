import { cancel, dispute, withdraw } from "../../client/src/buyer";
import { readStep } from "../../client/src/chain/read";
import { folderEvidenceSource } from "../../client/src/keeper";
import { arbiterVerify, ruleOnDispute } from "./arbiter";
import { readSettledOutput } from "./buyer";
import { advanceChainTime } from "./chainTime";
import { gasOf } from "./roles";
import { DEMO_DISPUTE_WINDOW } from "./seller";
import type { PlayedStep, StepFlowContext } from "./stepFlow";
import { fmt } from "./story";
import { recordTx } from "./summary";
import { decodeJson } from "./workload";

/** Records a step's final status in the summary. */
async function recordStatus(ctx: StepFlowContext, step: number): Promise<string> {
  const status = (await readStep(ctx.roles.buyer, ctx.runner.entitlementId, step)).status;
  const record = ctx.summary.steps.find((s) => s.step === step);
  if (record !== undefined) record.status = status;
  return status;
}

/**
 * The buyer disputes a claimed step within its window, posting the bond; the arbiter re-verifies the evidence
 * itself with the SDK verifier (the same pinned trust, chain facts read now) and rules: for the seller when the
 * step is valid (price and bond to the seller), for the buyer otherwise.
 */
export async function disputeAndRule(ctx: StepFlowContext, played: PlayedStep): Promise<void> {
  const { story, roles, summary } = ctx;
  const { step, entitlementId } = played.outcome.permit;
  story.section(`dispute: the buyer contests step ${step}`);
  const disputed = await dispute(roles.buyer, entitlementId, step);
  const disputeGas = await gasOf(roles.publicClient, disputed.txHash);
  recordTx(summary, { action: `dispute step ${step}`, actor: "buyer", txHash: disputed.txHash, gas: disputeGas });
  story.say("buyer", `dispute(step ${step}) inside the window, bond ${fmt.eth(disputed.bond)} posted`, {
    gas: disputeGas,
  });

  const report = await arbiterVerify(roles.arbiter, {
    chainId: ctx.runner.market.chainId,
    entitlementId,
    step,
    config: ctx.verifier.config,
    evidence: folderEvidenceSource(ctx.runner.evidenceDir),
    fromBlock: ctx.verifier.fromBlock,
  });
  const sellerWins = report.result === "valid";
  const passed = report.checks.filter((c) => c.status === "passed").length;
  const reason = sellerWins ? `valid, ${passed} checks passed` : `${report.result}: ${report.code ?? "no code"}`;
  const ruled = await ruleOnDispute(roles.arbiter, entitlementId, step, sellerWins);
  recordTx(summary, { action: `rule on step ${step}`, actor: "arbiter", txHash: ruled.txHash, gas: ruled.gas });
  const winner = sellerWins ? "seller" : "buyer";
  story.say("arbiter", `re-verified step ${step}'s evidence itself: ${reason}`);
  story.say("arbiter", `rule(step ${step}, sellerWins=${sellerWins}): price and bond to the ${winner}`, {
    gas: ruled.gas,
  });
  const status = await recordStatus(ctx, step);
  story.detail(`step ${step} is now ${status}; rule tx ${ruled.txHash}`);
  const record = summary.steps.find((s) => s.step === step)!;
  Object.assign(record, { settledBy: "ruled", settleTx: ruled.txHash, settleGas: ruled.gas.toString() });
  summary.dispute = { step, bond: disputed.bond.toString(), ruling: winner, status };
}

/**
 * Past the dispute window: the chain's clock is moved ahead, the running keeper notices and finalizes the
 * undisputed steps, the buyer cancels what it did not use, and everyone withdraws what the market credited them.
 */
export async function settleTheRest(ctx: StepFlowContext, undisputed: readonly number[]): Promise<void> {
  const { story, roles, summary } = ctx;
  const id = ctx.runner.entitlementId;
  story.section("settlement");
  const now = await advanceChainTime(ctx.rpcUrl, DEMO_DISPUTE_WINDOW + 1);
  story.say("chain", `clock moved ${DEMO_DISPUTE_WINDOW + 1} s ahead (evm_increaseTime, evm_mine): block time ${now}`);
  for (const step of undisputed) {
    const { result } = await ctx.keeper.waitFor("finalize", step);
    if (result.kind !== "sent") throw new Error(`step ${step} was finalized by someone else`);
    recordTx(summary, { action: `finalize step ${step}`, actor: "keeper", txHash: result.txHash, gas: result.gas });
    const status = await recordStatus(ctx, step);
    const record = summary.steps.find((s) => s.step === step)!;
    Object.assign(record, { settledBy: "finalized", settleTx: result.txHash, settleGas: result.gas.toString() });
    story.say("keeper", `finalize(step ${step}) after its dispute window → ${status}, price to the seller`, {
      gas: result.gas,
    });
  }

  const cancelled = await cancel(roles.buyer, id);
  const cancelGas = await gasOf(roles.publicClient, cancelled.txHash);
  recordTx(summary, { action: "cancel unused steps", actor: "buyer", txHash: cancelled.txHash, gas: cancelGas });
  story.say("buyer", `cancel: ${cancelled.steps} unused step(s) refunded, ${fmt.eth(cancelled.amount)}`, {
    gas: cancelGas,
  });

  for (const [role, writer] of [
    ["seller", roles.seller],
    ["buyer", roles.buyer],
  ] as const) {
    const paid = await withdraw(writer);
    const gas = await gasOf(roles.publicClient, paid.txHash);
    recordTx(summary, { action: `withdraw (${role})`, actor: role, txHash: paid.txHash, gas });
    summary.withdrawals.push({ role, amount: paid.amount.toString() });
    story.say(role, `withdraw: ${fmt.eth(paid.amount)} paid out`, { gas });
  }
}

/** The buyer reads a settled step's output: stateKey(step) from the gateway, then its three files decrypted. */
export async function readOutput(ctx: StepFlowContext, step: number): Promise<void> {
  const { story } = ctx;
  story.section(`the buyer reads step ${step}'s output`);
  const output = await readSettledOutput(ctx.roles, ctx.runner.gateway, {
    entitlementId: ctx.runner.entitlementId,
    step,
    evidenceDir: ctx.runner.evidenceDir,
    clock: ctx.runner.clock,
  });
  const state = decodeJson(output.state);
  const result = decodeJson(output.result);
  const nextTokens = decodeJson(output.nextTokens);
  story.say("buyer", `stateKey(${step}) released by the gateway (step ${step} is Settled); files decrypted`);
  story.detail(`state       ${JSON.stringify(state)}`);
  story.detail(`result      ${JSON.stringify(result)}`);
  story.detail(`next tokens ${JSON.stringify(nextTokens)}`);
  ctx.summary.output = { step, state, result, nextTokens };
}
