/** `swarm offer publish|retire|list|show`: the seller's offers. */
import type { Command } from "commander";
import { type Address, formatEther, zeroAddress } from "viem";

import type { Offer } from "../../chain/types";
import { parsePolicyCapsule } from "../../protocol/policy";
import { getOffer, listOffers, publishOffer, retireOffer } from "../../seller";
import { collect, parseAddress, parseAmount, parseCount, parseId, readFileBytes } from "../args";
import { contextOf } from "../context";
import { usageError } from "../errors";

interface PublishOptions {
  capsule: string;
  price: string;
  commit: string;
  arbiter: string;
  verifier: string[];
  quorum: string;
  gateway?: string;
  token?: string;
  maxSteps: string;
  stepTimeout: string;
  disputeWindow: string;
  arbiterTimeout: string;
  disputeBond: string;
}

/** The gateway named by a capsule's audience (`swarm:<chainId>:<market>:<gateway>`). */
export function gatewayOfAudience(audience: string): Address {
  const gateway = audience.split(":")[3];
  if (gateway === undefined)
    throw usageError("ARGUMENT_INVALID", "the capsule's audience names no gateway", "pass --gateway");
  return parseAddress(gateway, "the capsule audience's gateway");
}

/** An offer as the CLI prints it (human form). */
export function offerLines(o: Offer): Record<string, string> {
  const t = o.terms;
  const price = t.token === zeroAddress ? `${formatEther(t.pricePerStep)} ETH` : `${t.pricePerStep} of ${t.token}`;
  return {
    offer: o.offerId.toString(),
    seller: o.seller,
    status: o.retired ? "retired" : "open",
    price: `${price} per step`,
    maxSteps: t.maxSteps.toString(),
    commit: t.commit,
    policyHash: t.policyHash,
    gateway: t.gateway,
    arbiter: t.arbiter,
    verifiers: `${t.quorum} of [${t.verifiers.join(", ")}]`,
    windows: `step ${t.stepTimeout}s, dispute ${t.disputeWindow}s, arbiter ${t.arbiterTimeout}s`,
    disputeBond: t.disputeBond.toString(),
  };
}

function registerPublish(offer: Command): void {
  offer
    .command("publish")
    .description(
      "publish an offer pinning a workflow commit and a policy capsule (prints the offer id and policy hash)",
    )
    .requiredOption("--capsule <file>", "the policy capsule (policy.json, canonical JCS bytes)")
    .requiredOption("--price <amount>", "price per step: base units, or e.g. 0.01ether")
    .requiredOption("--commit <sha>", "the workflow commit (40 hex digits)")
    .requiredOption("--arbiter <address>", "who rules on disputes")
    .requiredOption("--verifier <address>", "a verifier (repeat for several)", collect)
    .option("--quorum <n>", "verifier signatures a claim needs", "1")
    .option("--gateway <address>", "the capability gateway (default: the capsule audience's)")
    .option("--token <address>", "ERC-20 to be paid in (default: ETH)")
    .option("--max-steps <n>", "most steps one purchase may buy", "100")
    .option("--step-timeout <seconds>", "time a consumed step has to be claimed", "3600")
    .option("--dispute-window <seconds>", "time a buyer has to dispute a claim", "86400")
    .option("--arbiter-timeout <seconds>", "time the arbiter has to rule", "86400")
    .option("--dispute-bond <amount>", "bond a dispute posts", "0")
    .addHelpText(
      "after",
      `
Example:
  $ SWARM_PRIVATE_KEY=… swarm --network localhost offer publish --capsule policy.json \\
      --price 0.01ether --commit 30bace97d4fbcd657d31d2de06068ab14b491473 \\
      --arbiter 0x90F7… --verifier 0x9965…`,
    )
    .action(async (opts: PublishOptions, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const capsule = readFileBytes(ctx.resolvePath(opts.capsule), "capsule");
      const parsed = parsePolicyCapsule(capsule);
      const writer = ctx.marketWriter();
      ctx.out.progress(`publishing an offer for policy ${parsed.policyHash}`);
      const published = await publishOffer(writer, {
        capsule,
        terms: {
          gateway:
            opts.gateway === undefined
              ? gatewayOfAudience(parsed.capsule.identity.audience)
              : parseAddress(opts.gateway, "--gateway"),
          ...(opts.token === undefined ? {} : { token: parseAddress(opts.token, "--token") }),
          pricePerStep: parseAmount(opts.price, "--price"),
          maxSteps: parseCount(opts.maxSteps, "--max-steps", { min: 1 }),
          commit: opts.commit,
          stepTimeout: parseCount(opts.stepTimeout, "--step-timeout"),
          disputeWindow: parseCount(opts.disputeWindow, "--dispute-window"),
          arbiterTimeout: parseCount(opts.arbiterTimeout, "--arbiter-timeout"),
          disputeBond: parseAmount(opts.disputeBond, "--dispute-bond"),
          arbiter: parseAddress(opts.arbiter, "--arbiter"),
          quorum: parseCount(opts.quorum, "--quorum", { min: 1, max: 255 }),
          verifiers: opts.verifier.map((v) => parseAddress(v, "--verifier")),
        },
      });
      ctx.out.result(
        {
          offerId: published.offerId,
          policyHash: published.terms.policyHash,
          termsHash: published.termsHash,
          txHash: published.txHash,
          terms: published.terms,
        },
        {
          offer: published.offerId.toString(),
          policyHash: published.terms.policyHash,
          termsHash: published.termsHash,
          tx: published.txHash,
        },
      );
    });
}

function registerRetire(offer: Command): void {
  offer
    .command("retire")
    .description("retire an offer: no new purchases; entitlements already bought run on")
    .argument("<offerId>", "the offer's id")
    .addHelpText("after", "\nExample:\n  $ swarm offer retire 1")
    .action(async (offerId: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(offerId, "offerId");
      const r = await retireOffer(ctx.marketWriter(), id);
      ctx.out.result({ offerId: id, retired: true, txHash: r.txHash }, [`offer ${id} retired`, `tx ${r.txHash}`]);
    });
}

function registerList(offer: Command): void {
  offer
    .command("list")
    .description("list offers published on the market (from its logs)")
    .option("--seller <address>", "only this seller's")
    .option("--gateway <address>", "only offers served by this gateway")
    .option("--open", "only offers not retired")
    .addHelpText(
      "after",
      "\nExamples:\n  $ swarm --network localhost offer list\n  $ swarm offer list --seller 0x7099… --json",
    )
    .action(async (opts: { seller?: string; gateway?: string; open?: boolean }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const offers = (
        await listOffers(ctx.marketReader(), {
          fromBlock: ctx.config.fromBlock,
          ...(opts.seller === undefined ? {} : { seller: parseAddress(opts.seller, "--seller") }),
          ...(opts.gateway === undefined ? {} : { gateway: parseAddress(opts.gateway, "--gateway") }),
        })
      ).filter((o) => opts.open !== true || !o.retired);
      const lines =
        offers.length === 0
          ? ["no offers"]
          : offers.map((o) => {
              const l = offerLines(o);
              return `${l.offer}\t${l.status}\t${l.price}\tseller ${l.seller}\tpolicy ${l.policyHash}`;
            });
      ctx.out.result({ offers }, lines);
    });
}

function registerShow(offer: Command): void {
  offer
    .command("show")
    .description("show one offer's terms and state")
    .argument("<offerId>", "the offer's id")
    .addHelpText("after", "\nExample:\n  $ swarm offer show 1 --json")
    .action(async (offerId: string, _opts: unknown, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const o = await getOffer(ctx.marketReader(), parseId(offerId, "offerId"));
      ctx.out.result(o, offerLines(o));
    });
}

/** Registers `swarm offer …`. */
export function registerOfferCommands(program: Command): void {
  const offer = program.command("offer").description("seller: publish, retire, list and show offers");
  registerPublish(offer);
  registerRetire(offer);
  registerList(offer);
  registerShow(offer);
}
