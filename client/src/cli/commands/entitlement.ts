/** `swarm entitlement show`, `swarm accept|cancel|dispute|withdraw`: the buyer's (and seller's) settlement actions. */
import type { Command } from "commander";
import { zeroAddress } from "viem";

import { accept, cancel, dispute, getEntitlement, withdraw } from "../../buyer";
import { readCredit, readStep } from "../../chain/read";
import { parseAddress, parseCount, parseId } from "../args";
import { contextOf } from "../context";

function registerShow(program: Command): void {
  program
    .command("entitlement")
    .description("show an entitlement and the state of its consumed steps")
    .argument("<entitlementId>", "the entitlement's id")
    .addHelpText("after", "\nExample:\n  $ swarm entitlement 1 --json")
    .action(async (entitlementId: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const reader = ctx.marketReader();
      const e = await getEntitlement(reader, parseId(entitlementId, "entitlementId"));
      const steps = [];
      for (let s = 1; s <= e.consumed; s++) steps.push({ step: s, ...(await readStep(reader, e.entitlementId, s)) });
      ctx.out.result({ ...e, steps }, [
        `entitlement ${e.entitlementId} of offer ${e.offerId}: ${e.consumed} of ${e.bought} steps consumed`,
        `buyer ${e.buyer}, permits signed by ${e.signer}`,
        ...steps.map(
          (s) =>
            `  step ${s.step}: ${s.status}${BigInt(s.certificateHash) === 0n ? "" : ` certificate ${s.certificateHash}`}`,
        ),
      ]);
    });
}

function registerAccept(program: Command): void {
  program
    .command("accept")
    .description("buyer: accept a claimed step at once (its price is credited to the seller)")
    .argument("<entitlementId>", "the entitlement's id")
    .argument("<step>", "the claimed step")
    .addHelpText("after", "\nExample:\n  $ swarm accept 1 2")
    .action(async (entitlementId: string, step: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const s = parseCount(step, "step", { min: 1 });
      const r = await accept(ctx.marketWriter(), id, s);
      ctx.out.result({ entitlementId: id, step: s, ...r }, [
        `step ${s} of ${id} accepted: ${r.amount} credited to the seller`,
        `tx ${r.txHash}`,
      ]);
    });
}

function registerCancel(program: Command): void {
  program
    .command("cancel")
    .description("buyer: cancel the unconsumed steps (their price is credited back; `swarm withdraw` pays it out)")
    .argument("<entitlementId>", "the entitlement's id")
    .addHelpText("after", "\nExample:\n  $ swarm cancel 1 && swarm withdraw")
    .action(async (entitlementId: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const r = await cancel(ctx.marketWriter(), id);
      ctx.out.result({ entitlementId: id, ...r }, [
        `${r.steps} steps of ${id} cancelled: ${r.amount} credited back`,
        `tx ${r.txHash}`,
      ]);
    });
}

function registerDispute(program: Command): void {
  program
    .command("dispute")
    .description("buyer: dispute a claimed step within the dispute window, posting the offer's bond")
    .argument("<entitlementId>", "the entitlement's id")
    .argument("<step>", "the claimed step")
    .addHelpText("after", "\nExample:\n  $ swarm dispute 1 2")
    .action(async (entitlementId: string, step: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const s = parseCount(step, "step", { min: 1 });
      const r = await dispute(ctx.marketWriter(), id, s);
      ctx.out.result({ entitlementId: id, step: s, ...r }, [
        `step ${s} of ${id} disputed, bond ${r.bond}`,
        `tx ${r.txHash}`,
      ]);
    });
}

function registerWithdraw(program: Command): void {
  program
    .command("withdraw")
    .description("withdraw the account's whole credit (seller payments, buyer refunds, bonds)")
    .option("--token <address>", "the token (default: ETH)")
    .option("--to <address>", "pay to this address instead of the account")
    .addHelpText("after", "\nExamples:\n  $ swarm withdraw\n  $ swarm withdraw --token 0x5FbD… --to 0x7099… --json")
    .action(async (opts: { token?: string; to?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const token = opts.token === undefined ? zeroAddress : parseAddress(opts.token, "--token");
      const writer = ctx.marketWriter();
      const credit = await readCredit(writer, token, ctx.account().address);
      ctx.out.progress(`withdrawing a credit of ${credit}`);
      const r = await withdraw(writer, token, opts.to === undefined ? undefined : parseAddress(opts.to, "--to"));
      ctx.out.result({ token, ...r }, [`withdrew ${r.amount} to ${r.to}`, `tx ${r.txHash}`]);
    });
}

/** Registers `swarm entitlement`, `accept`, `cancel`, `dispute`, `withdraw`. */
export function registerEntitlementCommands(program: Command): void {
  registerShow(program);
  registerAccept(program);
  registerCancel(program);
  registerDispute(program);
  registerWithdraw(program);
}
