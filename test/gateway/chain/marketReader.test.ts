import { expect } from "chai";
import { type PublicClient, createPublicClient, http } from "viem";

import { type DevStack, startDevStack } from "../../../devnet/stack";
import { createMarketReader } from "../../../gateway/src/chain/marketReader";
import { GatewayError } from "../../../gateway/src/errors";

describe("gateway/chain/marketReader over a batching JSON-RPC transport (as the gateway process runs it)", function () {
  this.timeout(120_000);
  let stack: DevStack;

  before(async () => {
    stack = await startDevStack();
  });

  after(async () => {
    await stack?.stop();
  });

  it("refuses an unknown entitlement with ENTITLEMENT_UNKNOWN even when its read shares a batch with valid reads", async () => {
    const client = createPublicClient({
      chain: stack.chain,
      transport: http(stack.node.url, { batch: true }),
    }) as PublicClient;
    const reader = createMarketReader(client, stack.market, stack.deployBlock);
    const id = await stack.buy(2);
    // Issued in the same tick, so the transport sends the three eth_calls as one JSON-RPC batch.
    const [a, unknown, b] = await Promise.allSettled([
      reader.entitlement(id),
      reader.entitlement(id + 1_000_000n),
      reader.entitlement(id),
    ]);
    for (const known of [a, b]) {
      expect(known.status).to.equal("fulfilled");
      if (known.status === "fulfilled") expect([known.value.bought, known.value.consumed]).to.deep.equal([2, 0]);
    }
    expect(unknown.status).to.equal("rejected");
    const reason = (unknown as PromiseRejectedResult).reason as unknown;
    expect(reason).to.be.instanceOf(GatewayError);
    expect([(reason as GatewayError).code, (reason as GatewayError).status]).to.deep.equal([
      "ENTITLEMENT_UNKNOWN",
      403,
    ]);
  });
});
