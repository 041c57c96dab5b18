import { expect } from "chai";
import { createPublicClient, encodeErrorResult, encodeFunctionData, getAddress, http } from "viem";

import { upperSnake, decodeRevertData } from "../../../client/src/chain/errors";
import { erc20ErrorsAbi } from "../../../client/src/chain/erc20";
import { readOffer } from "../../../client/src/chain/read";
import { sendChecked } from "../../../client/src/chain/send";
import type { TransactionSender } from "../../../client/src/chain/sender";
import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { marketFixture } from "../../helpers/market";
import { expectCode, writerOf } from "./fixture";

describe("client/chain/errors", () => {
  it("names every market error in UPPER_SNAKE, digits and acronyms included", () => {
    expect(upperSnake("StepsExhausted")).to.equal("STEPS_EXHAUSTED");
    expect(upperSnake("ERC20InsufficientAllowance")).to.equal("ERC20_INSUFFICIENT_ALLOWANCE");
    expect(upperSnake("InsufficientGasForSignerCheck")).to.equal("INSUFFICIENT_GAS_FOR_SIGNER_CHECK");
    const names = swarmMarketAbi.filter((i) => i.type === "error").map((i) => upperSnake(i.name));
    expect(names.every((n) => /^[A-Z0-9]+(_[A-Z0-9]+)*$/.test(n))).to.equal(true);
    expect(new Set(names).size).to.equal(names.length);
  });

  it("decodes a token's ERC-6093 revert bubbled up through the market as TOKEN_…", () => {
    const spender = getAddress("0x00000000000000000000000000000000000000aa");
    const data = encodeErrorResult({
      abi: erc20ErrorsAbi,
      errorName: "ERC20InsufficientAllowance",
      args: [spender, 1n, 2n],
    });
    const err = decodeRevertData(data)!;
    expect(err.code).to.equal("TOKEN_ERC20_INSUFFICIENT_ALLOWANCE");
    expect(err.message).to.equal(`ERC20InsufficientAllowance(spender=${spender.toLowerCase()}, allowance=1, needed=2)`);
  });

  it("never puts the RPC URL (which may hold an API key) into a chain failure's message", async () => {
    const publicClient = createPublicClient({
      transport: http("http://127.0.0.1:1/secret-api-key", { retryCount: 0 }),
    });
    const err = await expectCode(
      readOffer({ publicClient, market: "0x0000000000000000000000000000000000000001" }, 1n),
      "CHAIN_CALL_FAILED",
    );
    expect(err.message).to.not.contain("secret-api-key");
  });

  it("decodes a revert raised at send time (the chain changed after the simulation)", async () => {
    const fx = await marketFixture();
    // A sender that sends something else than what was simulated, with a fixed gas limit so it is mined.
    const racing: TransactionSender = {
      address: getAddress(fx.buyer.account!.address),
      chainId: async () => fx.chainId,
      sendTransaction: (tx) =>
        fx.buyer.sendTransaction({
          account: fx.buyer.account!,
          chain: fx.buyer.chain,
          to: tx.to,
          gas: 200_000n,
          data: encodeFunctionData({ abi: swarmMarketAbi, functionName: "cancel", args: [7n] }),
        }),
    };
    const data = encodeFunctionData({ abi: swarmMarketAbi, functionName: "offerCount" });
    const err = await expectCode(
      sendChecked(writerOf(fx, racing), { to: fx.market.address, data }, "racing call"),
      "MARKET_UNKNOWN_ENTITLEMENT",
    );
    expect(err.message).to.equal("UnknownEntitlement(entitlementId=7)");
  });
});
