import hre from "hardhat";
import { expect } from "chai";
import { Wallet } from "ethers";
import { type Hex, createWalletClient, custom, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { type StepPermit, marketDomain, stepPermitTypes } from "../../client/src/protocol/eip712";
import { isProtocolError } from "../../client/src/protocol/errors";
import {
  type EthersTypedDataSignerLike,
  type TypedDataRequest,
  type TypedDataSigner,
  fromEthersSigner,
  fromViemAccount,
  fromViemWalletClient,
  normalizeSignature,
  toEthersTypedData,
} from "../../client/src/signer";
import { type MarketFixture, marketFixture, nextPermit, publishOffer, purchaseEth } from "../helpers/market";

const KEY: Hex = keccak256(toHex("swarm/test/signer"));
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const OTHER_KEY: Hex = keccak256(toHex("swarm/test/other-signer"));

async function expectCode(call: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let failure: unknown;
  try {
    await (typeof call === "function" ? call() : call);
  } catch (e) {
    failure = e;
  }
  expect(isProtocolError(failure, code), `expected ${code}, got ${String(failure)}`).to.equal(true);
}

function permitRequest(fx: MarketFixture, permit: StepPermit): TypedDataRequest {
  return {
    domain: marketDomain(fx.chainId, fx.market.address),
    types: stepPermitTypes,
    primaryType: "StepPermit",
    message: { ...permit },
  };
}

/** The three adapters over one private key. */
async function adaptersOf(key: Hex): Promise<Record<string, TypedDataSigner>> {
  const account = privateKeyToAccount(key);
  const wallet = createWalletClient({ account, transport: custom(hre.network.provider) });
  return {
    viemAccount: fromViemAccount(account),
    viemWalletClient: fromViemWalletClient(wallet),
    ethers: await fromEthersSigner(new Wallet(key)),
  };
}

describe("client/signer", () => {
  it("gives byte-identical permit signatures from a viem account, a viem wallet client and an ethers signer", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx);
    const id = await purchaseEth(fx, offerId, 1);
    const request = permitRequest(fx, await nextPermit(fx, id));
    const adapters = await adaptersOf(KEY);
    const signatures = await Promise.all(Object.values(adapters).map((s) => s.signTypedData(request)));
    expect(new Set(Object.values(adapters).map((s) => s.address)).size).to.equal(1);
    expect(signatures[0]).to.match(/^0x[0-9a-f]{130}$/);
    expect(signatures[1]).to.equal(signatures[0]);
    expect(signatures[2]).to.equal(signatures[0]);
  });

  it("gives identical signatures through JSON-RPC wallets (viem wallet client and Hardhat's ethers signer)", async () => {
    const fx = await marketFixture();
    const offerId = await publishOffer(fx);
    const id = await purchaseEth(fx, offerId, 1);
    const request = permitRequest(fx, await nextPermit(fx, id));
    const [, , ethersBuyer] = await hre.ethers.getSigners();
    const viaViem = await fromViemWalletClient(fx.buyer).signTypedData(request);
    const viaEthers = await (await fromEthersSigner(ethersBuyer!)).signTypedData(request);
    expect(viaEthers).to.equal(viaViem);
  });

  for (const name of ["viemAccount", "viemWalletClient", "ethers"]) {
    it(`has the market consume a permit signed through the ${name} adapter by a delegate signer`, async () => {
      const fx = await marketFixture();
      const signer = (await adaptersOf(KEY))[name]!;
      const offerId = await publishOffer(fx);
      const id = await purchaseEth(fx, offerId, 2, { signer: signer.address });
      const permit = await nextPermit(fx, id);
      const signature = await signer.signTypedData(permitRequest(fx, permit));
      await fx.market.write.consume([permit, signature], { account: fx.gateway.account! });
      expect((await fx.market.read.getEntitlement([id])).consumed).to.equal(1);
    });
  }

  it("refuses a wallet that signs with another key than the address it reports", async () => {
    const fx = await marketFixture();
    const honest = new Wallet(KEY);
    const liar: EthersTypedDataSignerLike = {
      getAddress: () => honest.getAddress(),
      signTypedData: (d, t, v) => new Wallet(OTHER_KEY).signTypedData(d, t, v),
    };
    const request = permitRequest(fx, fallbackPermit(fx));
    await expectCode((await fromEthersSigner(liar)).signTypedData(request), "SIGNER_ADDRESS_MISMATCH");
  });

  it("refuses the high-s twin of a valid signature, which the market would reject as malleable", async () => {
    const fx = await marketFixture();
    const low = await fromViemAccount(privateKeyToAccount(KEY)).signTypedData(permitRequest(fx, fallbackPermit(fx)));
    const s = BigInt(`0x${low.slice(66, 130)}`);
    const v = low.endsWith("1b") ? "1c" : "1b";
    const high = `${low.slice(0, 66)}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${v}`;
    await expectCode(() => normalizeSignature(high), "SIGNER_SIGNATURE_INVALID");
  });

  it("refuses a signature that is not 65 bytes (a 64-byte compact one)", () =>
    expectCode(() => normalizeSignature("0x" + "11".repeat(64)), "SIGNER_SIGNATURE_INVALID"));

  it("normalizes v of 0/1 (some hardware wallets) to 27/28 and lowercases", () => {
    const body = "AB".repeat(32) + "11".repeat(32);
    expect(normalizeSignature(`0x${body}00`)).to.equal(`0x${body.toLowerCase()}1b`);
    expect(normalizeSignature(`0x${body}01`)).to.equal(`0x${body.toLowerCase()}1c`);
  });

  it("refuses a wallet client without an account", () =>
    expectCode(
      () => fromViemWalletClient(createWalletClient({ transport: custom(hre.network.provider) })),
      "SIGNER_ACCOUNT_MISSING",
    ));

  it("drops EIP712Domain from viem-style types, which ethers would refuse", async () => {
    const fx = await marketFixture();
    const request = permitRequest(fx, fallbackPermit(fx));
    const withDomain: TypedDataRequest = {
      ...request,
      types: { ...request.types, EIP712Domain: [{ name: "name", type: "string" }] },
    };
    expect(Object.keys(toEthersTypedData(withDomain).types)).to.deep.equal(["StepPermit"]);
    const adapters = await adaptersOf(KEY);
    expect(await adapters.ethers!.signTypedData(withDomain)).to.equal(
      await adapters.viemAccount!.signTypedData(request),
    );
  });
});

function fallbackPermit(fx: MarketFixture): StepPermit {
  return {
    entitlementId: 1n,
    step: 1,
    fromStep: 0,
    runId: 7n,
    runAttempt: 1,
    workerKey: keccak256(toHex("worker")),
    commit: "0x1111111111111111111111111111111111111111",
    policyHash: keccak256(toHex("policy")),
    gateway: fx.gateway.account!.address,
    deadline: 2_000_000_000n,
  };
}
