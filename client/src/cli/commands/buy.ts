/** `swarm buy`: the buyer escrows price × steps for an offer, in ETH or the offer's ERC-20. */
import type { Command } from "commander";

import { purchase } from "../../buyer";
import { parseAddress, parseCount, parseId } from "../args";
import { contextOf } from "../context";

/** Registers `swarm buy`. */
export function registerBuyCommands(program: Command): void {
  program
    .command("buy")
    .description("buyer: buy steps of an offer (ETH, or the offer's ERC-20 after approving exactly the amount)")
    .argument("<offerId>", "the offer's id")
    .requiredOption("--steps <n>", "how many steps to buy")
    .option("--permit-signer <address>", "a delegate key that signs this entitlement's permits (default: the buyer)")
    .addHelpText(
      "after",
      `
Prints the entitlement id; progress (approval, purchase, confirmations) goes to stderr.

Examples:
  $ SWARM_PRIVATE_KEY=… swarm --network localhost buy 1 --steps 3
  $ swarm buy 1 --steps 3 --permit-signer 0x15d3… --key-file buyer.key --json`,
    )
    .action(async (offerId: string, opts: { steps: string; permitSigner?: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(offerId, "offerId");
      const steps = parseCount(opts.steps, "--steps", { min: 1 });
      ctx.out.progress(`buying ${steps} step${steps === 1 ? "" : "s"} of offer ${id}`);
      const p = await purchase(ctx.marketWriter(), {
        offerId: id,
        steps,
        ...(opts.permitSigner === undefined
          ? {}
          : { permitSigner: parseAddress(opts.permitSigner, "--permit-signer") }),
      });
      ctx.out.result(p, {
        entitlement: p.entitlementId.toString(),
        offer: p.offerId.toString(),
        steps: p.steps,
        paid: `${p.amount} ${p.token === "0x0000000000000000000000000000000000000000" ? "wei" : `of ${p.token}`}`,
        tx: p.txHash,
        ...(p.approvalTxHash === undefined ? {} : { approvalTx: p.approvalTxHash }),
      });
    });
}
