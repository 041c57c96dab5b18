import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { verifyBundle } from "../../../client/src/bundle";
import { gatewayKeysTypes, marketDomain } from "../../../client/src/protocol/eip712";
import { receiptKeyId } from "../../../client/src/protocol/receipts";
import {
  bundleFiles,
  clock,
  fullInputs,
  ledgerLines,
  receiptKey,
  witnessPolicy,
  writeTemp,
} from "./support/fullBundle";

const MARKET = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as const;
const gatewayAccount = privateKeyToAccount(`0x${"77".repeat(32)}`);
const otherAccount = privateKeyToAccount(`0x${"78".repeat(32)}`);

/** The gateway's well-known GatewayKeys statement, signed by `account`, naming the receipt key. */
async function gatewayKeys(account = gatewayAccount): Promise<unknown> {
  const message = {
    gateway: gatewayAccount.address,
    netCapKid: `0x${"11".repeat(32)}` as const,
    receiptKid: receiptKeyId(receiptKey.publicKey),
    notBefore: 0n,
  };
  const signature = await account.signTypedData({
    domain: marketDomain(31337n, MARKET),
    types: gatewayKeysTypes,
    primaryType: "GatewayKeys",
    message,
  });
  return { message: { ...message, gateway: message.gateway.toLowerCase(), notBefore: "0" }, signature };
}

async function verifyWithGatewayPin(
  keysDoc: unknown,
  market: string = MARKET,
): Promise<Awaited<ReturnType<typeof verifyBundle>>> {
  const lines = await ledgerLines(4);
  // A bundle the gateway operator exports: the claim is signed with the gateway's receipt key.
  const base = fullInputs(lines, { signer: receiptKey, gatewayKeys: keysDoc });
  const files = await bundleFiles({ ...base, subject: { ...base.subject, market } });
  const { dir, cleanup } = await writeTemp(files);
  try {
    const pins = { gateway: { address: gatewayAccount.address, chainId: 31337n, market: MARKET }, witnessPolicy };
    return await verifyBundle(dir, { clock, pins });
  } finally {
    await cleanup();
  }
}

describe("bundle gateway pin (GatewayKeys)", () => {
  it("accepts a claim signed by the receipt key that the pinned gateway's GatewayKeys names", async () => {
    const report = await verifyWithGatewayPin(await gatewayKeys());
    expect(report.status, JSON.stringify(report.checks)).to.equal("valid");
    expect(report.issuer).to.deep.equal({ keyid: receiptKeyId(receiptKey.publicKey), pinned: true });
  });

  it("rejects a GatewayKeys statement signed by another address than the pinned gateway", async () => {
    const report = await verifyWithGatewayPin(await gatewayKeys(otherAccount));
    expect(report.status).to.equal("invalid");
    expect(report.checks.find((c) => c.name === "claim-signature")?.code).to.equal("FAILURE_SIGNATURE_INVALID");
  });

  it("rejects a claim about another market than the one the gateway pin speaks for", async () => {
    const report = await verifyWithGatewayPin(await gatewayKeys(), `0x${"12".repeat(20)}`);
    expect(report.status).to.equal("invalid");
    expect(report.checks.find((c) => c.name === "claim-signature")?.code).to.equal("FAILURE_IDENTITY_MISMATCH");
  });
});
