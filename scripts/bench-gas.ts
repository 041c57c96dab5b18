/**
 * Measures whole-transaction gasUsed of each market operation on the in-process network and prints it
 * against its budget. `--json` (or BENCH_JSON=1) also prints a JSON object as the last line.
 *
 *   npm run bench:gas            # table
 *   npm run bench:gas -- --json  # table, then one JSON line
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type Hex, keccak256, parseEther, toHex, zeroAddress, zeroHash } from "viem";

import type { StepPermit } from "../client/src/protocol/eip712";

import {
  DISPUTE_WINDOW,
  PRICE,
  STEP_TIMEOUT,
  attestationFor,
  certificateHash,
  deployMarket,
  nextPermit,
  publishOffer,
  purchaseEth,
  signAttestationBy,
  signPermit,
  type MarketFixture,
} from "../test/helpers/market";

/** Budgets from the contracts issue: whole-transaction gasUsed with an EOA signer. */
const BUDGETS: Record<string, bigint | undefined> = {
  purchaseEth: 150_000n,
  purchaseErc20: 150_000n,
  consume: 75_000n,
  consume1271: undefined,
  consumeBatch10PerPermit: 50_000n,
  claim: 95_000n,
  finalize: 60_000n,
  reclaim: undefined,
  withdraw: 50_000n,
  withdrawErc20: undefined,
  anchor: 60_000n,
};

async function gasOf(fx: MarketFixture, hash: Promise<Hex>): Promise<bigint> {
  const receipt = await fx.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt.gasUsed;
}

async function main() {
  const json = process.argv.includes("--json") || process.env.BENCH_JSON === "1";
  await hre.run("compile", { quiet: true });
  const fx = await deployMarket();
  const gas: Record<string, bigint> = {};
  const buyer = fx.buyer.account!;
  const gateway = fx.gateway.account!;

  const ethOffer = await publishOffer(fx);
  const erc20Offer = await publishOffer(fx, { token: fx.token.address });

  // Purchases, measured on the second of each kind (the entitlement counter and token balances are warm).
  await purchaseEth(fx, ethOffer, 10);
  gas.purchaseEth = await gasOf(
    fx,
    fx.market.write.purchase([ethOffer, 10, zeroAddress], { account: buyer, value: PRICE * 10n }),
  );
  await fx.token.write.mint([buyer.address, parseEther("1000")]);
  await fx.token.write.approve([fx.market.address, parseEther("1000")], { account: buyer });
  await fx.market.write.purchase([erc20Offer, 10, zeroAddress], { account: buyer });
  gas.purchaseErc20 = await gasOf(fx, fx.market.write.purchase([erc20Offer, 10, zeroAddress], { account: buyer }));
  const ethEntitlement = 2n;
  const erc20Entitlement = 4n;

  // consume with an EOA signer: step 1 of a fresh entitlement.
  let permit = await nextPermit(fx, ethEntitlement);
  gas.consume = await gasOf(
    fx,
    fx.market.write.consume([permit, await signPermit(fx, fx.buyer, permit)], { account: gateway }),
  );
  const firstDigest = await fx.market.read.hashStepPermit([permit]);
  const firstPermit = permit;

  // consume with an ERC-1271 wallet as permit signer.
  const key = fx.delegate;
  const wallet = await hre.viem.deployContract("Wallet1271", [key.account!.address, 0]);
  const walletEntitlement = await purchaseEth(fx, ethOffer, 2, { signer: wallet.address });
  permit = await nextPermit(fx, walletEntitlement);
  gas.consume1271 = await gasOf(
    fx,
    fx.market.write.consume([permit, await signPermit(fx, key, permit)], { account: gateway }),
  );

  // consumeBatch over 10 entitlements, one permit each.
  const permits: StepPermit[] = [];
  const signatures: Hex[] = [];
  for (let i = 0; i < 10; i++) {
    const id = await purchaseEth(fx, ethOffer, 1);
    const p = await nextPermit(fx, id);
    permits.push(p);
    signatures.push(await signPermit(fx, fx.buyer, p));
  }
  const batchGas = await gasOf(fx, fx.market.write.consumeBatch([permits, signatures], { account: gateway }));
  gas.consumeBatch10PerPermit = batchGas / 10n;

  // claim step 1 with one verifier signature (genesis: no previous certificate).
  const att = attestationFor(firstPermit, firstDigest, certificateHash("bench-1"));
  const sigs = await signAttestationBy(fx, [fx.verifierWallets[0]!], att);
  gas.claim = await gasOf(fx, fx.market.write.claim([firstPermit, att, sigs], { account: fx.keeper.account! }));

  // reclaim: step 1 of the ERC-1271 entitlement is never claimed.
  await time.increase(STEP_TIMEOUT);
  gas.reclaim = await gasOf(fx, fx.market.write.reclaim([walletEntitlement, 1], { account: fx.keeper.account! }));

  // finalize after the dispute window (the seller's first credit: the dearest case).
  await time.increase(DISPUTE_WINDOW);
  gas.finalize = await gasOf(fx, fx.market.write.finalize([ethEntitlement, 1], { account: fx.keeper.account! }));

  // withdraw ETH and ERC-20 credits.
  gas.withdraw = await gasOf(fx, fx.market.write.withdraw([zeroAddress], { account: fx.seller.account! }));
  await fx.market.write.cancel([erc20Entitlement], { account: buyer });
  gas.withdrawErc20 = await gasOf(fx, fx.market.write.withdraw([fx.token.address], { account: buyer }));

  // anchor in steady state: epoch 2 of an issuer (epoch 1 pays for the issuer's first head slot).
  const anchor = await hre.viem.deployContract("EvidenceAnchor");
  const root1 = keccak256(toHex("bench-root-1"));
  await anchor.write.anchor([1n, root1, 100n, zeroHash], { account: gateway });
  gas.anchor = await gasOf(
    fx,
    anchor.write.anchor([2n, keccak256(toHex("bench-root-2")), 200n, root1], { account: gateway }),
  );

  printTable(gas);
  if (json) console.log(JSON.stringify(Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, Number(v)]))));
  const over = Object.entries(gas).filter(([k, v]) => BUDGETS[k] !== undefined && v > BUDGETS[k]!);
  if (over.length > 0) {
    console.error(`over budget: ${over.map(([k]) => k).join(", ")}`);
    process.exitCode = 1;
  }
}

function printTable(gas: Record<string, bigint>) {
  const rows = Object.entries(gas).map(([op, used]) => {
    const budget = BUDGETS[op];
    const verdict = budget === undefined ? "-" : used <= budget ? "ok" : "OVER";
    return [op, used.toString(), budget?.toString() ?? "-", verdict];
  });
  const header = ["operation", "gasUsed", "budget", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
