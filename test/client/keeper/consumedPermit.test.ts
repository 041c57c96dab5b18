import { expect } from "chai";
import { type PublicClient, getAddress } from "viem";

import type { ConsumedStep } from "../../../client/src/keeper/consumedStep";
import { recoverConsumedPermit } from "../../../client/src/keeper/consumedPermit";
import { KeeperErrorCode } from "../../../client/src/keeper/errors";
import { findConsumed } from "../../../client/src/keeper/follow";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { marketFixture, nextPermit, publishOffer, purchaseEth, signPermit } from "../../helpers/market";

describe("keeper: the consumed permit, rebuilt from its transaction", () => {
  it("reads it from a consume call and from a consumeBatch call, digest checked", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 3);
    const reader = { publicClient: fx.publicClient as unknown as PublicClient, market: fx.market.address };
    const ref = { chainId: BigInt(fx.chainId), market: fx.market.address };
    const p1 = await nextPermit(fx, id, { fromStep: 0 });
    await fx.market.write.consume([p1, await signPermit(fx, fx.buyer, p1)], { account: fx.gateway.account! });
    const p2 = { ...p1, step: 2, fromStep: 1 };
    const p3 = { ...p1, step: 3, fromStep: 2 };
    await fx.market.write.consumeBatch(
      [
        [p2, p3],
        [await signPermit(fx, fx.buyer, p2), await signPermit(fx, fx.buyer, p3)],
      ],
      { account: fx.gateway.account! },
    );
    for (const [step, permit] of [
      [1, p1],
      [3, p3],
    ] as const) {
      const consumed = (await findConsumed(reader, id, step, 0n))!;
      const got = await recoverConsumedPermit(reader.publicClient, ref, consumed);
      expect({ ...got, gateway: getAddress(got.gateway) }).to.deep.equal({
        ...permit,
        gateway: getAddress(permit.gateway),
      });
    }
  });

  it("refuses a permit whose digest is not the one the event recorded", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 1);
    const reader = { publicClient: fx.publicClient as unknown as PublicClient, market: fx.market.address };
    const p1 = await nextPermit(fx, id, { fromStep: 0 });
    await fx.market.write.consume([p1, await signPermit(fx, fx.buyer, p1)], { account: fx.gateway.account! });
    const consumed: ConsumedStep = {
      ...(await findConsumed(reader, id, 1, 0n))!,
      permitDigest: `0x${"99".repeat(32)}`,
    };
    let caught: unknown;
    await recoverConsumedPermit(
      reader.publicClient,
      { chainId: BigInt(fx.chainId), market: fx.market.address },
      consumed,
    ).catch((e: unknown) => (caught = e));
    expect(isProtocolError(caught, KeeperErrorCode.PERMIT_UNRECOVERABLE)).to.equal(true);
  });
});
