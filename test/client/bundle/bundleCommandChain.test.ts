import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { HDAccount } from "viem/accounts";
import type { CliRuntime } from "../../../client/src/cli/context";
import { runCli } from "../../../client/src/cli/program";
import { gatewayKeysTypes, marketDomain } from "../../../client/src/protocol/eip712";
import { receiptKeyId } from "../../../client/src/protocol/receipts";
import { type DevStack, devAccount, startDevStack } from "../../../devnet/stack";
import { NOW, bundleFiles, fullInputs, ledgerLines, receiptKey, witnessPolicy, writeTemp } from "./support/fullBundle";

/** Runs the CLI in-process against the real node (the test's own 127.0.0.1 hardhat node). */
async function swarm(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const runtime: CliRuntime = {
    env: {},
    cwd,
    streams: { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) },
    fetch,
    clock: () => NOW,
    sleep: async () => undefined,
  };
  const code = await runCli(argv, runtime);
  return { code, stdout, stderr };
}

describe("swarm bundle verify --gateway-keys-from-chain (real local chain)", function () {
  this.timeout(180_000);
  let stack: DevStack;
  let work: string;
  let entitlementId: bigint;
  let lines: Buffer[];

  before(async () => {
    stack = await startDevStack();
    work = await mkdtemp(join(tmpdir(), "swarm-bundle-chain-"));
    await writeFile(join(work, "witnesses.json"), JSON.stringify(witnessPolicy));
    entitlementId = await stack.buy(1);
    lines = await ledgerLines(4);
  });
  after(async () => {
    await stack?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  /** The gateway's GatewayKeys statement naming the test receipt key, signed by `signer` in the market's domain. */
  async function gatewayKeys(signer: HDAccount): Promise<unknown> {
    const message = {
      gateway: stack.gateway,
      netCapKid: `0x${"11".repeat(32)}` as const,
      receiptKid: receiptKeyId(receiptKey.publicKey),
      notBefore: 0n,
    };
    const signature = await signer.signTypedData({
      domain: marketDomain(31337n, stack.market),
      types: gatewayKeysTypes,
      primaryType: "GatewayKeys",
      message,
    });
    return { message: { ...message, gateway: message.gateway.toLowerCase(), notBefore: "0" }, signature };
  }

  /** Writes a bundle about the bought entitlement, signed with the receipt key, and verifies it through the CLI. */
  async function verifyWith(signer: HDAccount) {
    const subject = {
      kind: "entitlement" as const,
      chainId: "31337",
      market: stack.market.toLowerCase(),
      entitlementId: String(entitlementId),
    };
    const inputs = fullInputs(lines, { signer: receiptKey, subject, gatewayKeys: await gatewayKeys(signer) });
    const { dir, cleanup } = await writeTemp(await bundleFiles(inputs));
    try {
      const chain = ["--rpc-url", stack.node.url, "--market", stack.market, "--chain-id", "31337"];
      const argv = ["bundle", "verify", dir, "--gateway-keys-from-chain", "--witness-policy", "witnesses.json"];
      return await swarm([...argv, ...chain, "--json"], work);
    } finally {
      await cleanup();
    }
  }

  it("is valid when the offer's gateway on-chain signed the GatewayKeys naming the claim's key", async () => {
    expect(stack.gateway.toLowerCase()).to.equal(devAccount("gateway").address.toLowerCase());
    const run = await verifyWith(devAccount("gateway"));
    expect(run.code, `${run.stdout}${run.stderr}`).to.equal(0);
    const report = JSON.parse(run.stdout) as { status: string; issuer: unknown; strength: string };
    expect(report.status).to.equal("valid");
    expect(report.strength).to.equal("witnessed");
    expect(report.issuer).to.deep.equal({ keyid: receiptKeyId(receiptKey.publicKey), pinned: true });
  });

  it("refuses (exit 1) a GatewayKeys statement signed by another address than the offer's gateway", async () => {
    const run = await verifyWith(devAccount("buyer"));
    expect(run.code, `${run.stdout}${run.stderr}`).to.equal(1);
    const report = JSON.parse(run.stdout) as {
      status: string;
      code: string;
      checks: { name: string; code?: string }[];
    };
    expect(report.status).to.equal("invalid");
    expect(report.code).to.equal("FAILURE_SIGNATURE_INVALID");
    expect(report.checks.find((c) => c.name === "claim-signature")?.code).to.equal("FAILURE_SIGNATURE_INVALID");
  });
});
