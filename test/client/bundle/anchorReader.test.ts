import { expect } from "chai";
import hre from "hardhat";
import type { PublicClient } from "viem";
import { type BundleReport, evidenceAnchorReader, verifyBundle } from "../../../client/src/bundle";
import { bundleFiles, clock, fullInputs, fullPins, ledgerLines, writeTemp } from "./support/fullBundle";

const ZERO = `0x${"00".repeat(32)}` as const;

describe("bundle/anchorReader (EvidenceAnchor on the in-process chain)", () => {
  let lines: Buffer[];
  let contract: `0x${string}`;
  let issuer: `0x${string}`;
  let client: PublicClient;
  let root: `0x${string}`;

  before(async () => {
    lines = await ledgerLines(5);
    const anchor = await hre.viem.deployContract("EvidenceAnchor");
    const [wallet] = await hre.viem.getWalletClients();
    client = (await hre.viem.getPublicClient()) as unknown as PublicClient;
    contract = anchor.address.toLowerCase() as `0x${string}`;
    issuer = wallet!.account.address.toLowerCase() as `0x${string}`;
    root = fullInputs(lines).anchor!.root;
    const hash = await anchor.write.anchor([1n, root, BigInt(lines.length), ZERO], { account: wallet!.account });
    await client.waitForTransactionReceipt({ hash });
  });

  async function verifyWithAnchor(epoch: string): Promise<BundleReport> {
    const base = fullInputs(lines);
    const chainId = String(await client.getChainId());
    const record = { ...base.anchor!, epoch, chainId, contract, issuer };
    const { dir, cleanup } = await writeTemp(await bundleFiles({ ...base, anchor: record }));
    try {
      return await verifyBundle(dir, {
        clock,
        pins: fullPins(),
        anchorReader: evidenceAnchorReader(client),
      });
    } finally {
      await cleanup();
    }
  }

  it("confirms a recorded anchor against the chain's rootAt(issuer, epoch)", async () => {
    const report = await verifyWithAnchor("1");
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.checks.find((c) => c.name === "anchor")?.status).to.equal("passed");
  });

  it("rejects an anchor record naming an epoch the chain does not hold", async () => {
    const report = await verifyWithAnchor("2");
    expect(report.status).to.equal("invalid");
    const check = report.checks.find((c) => c.name === "anchor");
    expect([check?.status, check?.code]).to.deep.equal(["failed", "FAILURE_INCLUSION_INVALID"]);
  });

  it("rejects an anchor record whose root the chain does not hold", async () => {
    const other = await ledgerLines(5, "other");
    const base = fullInputs(other);
    const chainId = String(await client.getChainId());
    const record = { ...base.anchor!, epoch: "1", chainId, contract, issuer };
    const { dir, cleanup } = await writeTemp(await bundleFiles({ ...base, anchor: record }));
    try {
      const report = await verifyBundle(dir, {
        clock,
        pins: fullPins(),
        anchorReader: evidenceAnchorReader(client),
      });
      expect(report.checks.find((c) => c.name === "anchor")?.code).to.equal("FAILURE_INCLUSION_INVALID");
      expect(report.status).to.equal("invalid");
    } finally {
      await cleanup();
    }
  });
});
