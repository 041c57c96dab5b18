import { expect } from "chai";
import { getAddress } from "viem";

import { MarketError } from "../../../client/src/chain/errors";
import { getOffer, listOffers, publishOffer, retireOffer } from "../../../client/src/seller";
import { marketFixture } from "../../helpers/market";
import { capsuleFor, expectCode, readerOf, sellerTerms, writerOf } from "../chain/fixture";

describe("client/seller/offers", () => {
  it("retires an offer and lists offers by seller with their retired state", async () => {
    const fx = await marketFixture();
    const capsule = capsuleFor(fx).bytes;
    const seller = writerOf(fx, fx.seller);
    const first = await publishOffer(seller, { terms: sellerTerms(fx), capsule });
    const second = await publishOffer(seller, { terms: sellerTerms(fx, { maxSteps: 5 }), capsule });
    // Another seller's offer, which the filter must leave out.
    await publishOffer(writerOf(fx, fx.other), { terms: sellerTerms(fx), capsule });
    await retireOffer(seller, first.offerId);

    const listed = await listOffers(readerOf(fx), { fromBlock: 0n, seller: fx.seller.account!.address });
    expect(listed.map((o) => [o.offerId, o.retired, o.terms.maxSteps])).to.deep.equal([
      [first.offerId, true, 100],
      [second.offerId, false, 5],
    ]);
    expect(listed[0]!.publishedInTx).to.equal(first.txHash);
    expect(await listOffers(readerOf(fx), { fromBlock: 0n })).to.have.length(3);
  });

  it("refuses to retire another seller's offer, with the market's NotSeller(offerId, caller)", async () => {
    const fx = await marketFixture();
    const { offerId } = await publishOffer(writerOf(fx, fx.seller), {
      terms: sellerTerms(fx),
      capsule: capsuleFor(fx).bytes,
    });
    const err = await expectCode(retireOffer(writerOf(fx, fx.other), offerId), "MARKET_NOT_SELLER");
    expect((err as MarketError).args).to.deep.equal([offerId, getAddress(fx.other.account!.address)]);
    expect(err.message).to.equal(`NotSeller(offerId=${offerId}, caller=${fx.other.account!.address.toLowerCase()})`);
    expect((await getOffer(readerOf(fx), offerId)).retired).to.equal(false);
  });

  it("refuses to retire an offer twice (MARKET_OFFER_IS_RETIRED)", async () => {
    const fx = await marketFixture();
    const seller = writerOf(fx, fx.seller);
    const { offerId } = await publishOffer(seller, { terms: sellerTerms(fx), capsule: capsuleFor(fx).bytes });
    await retireOffer(seller, offerId);
    await expectCode(retireOffer(seller, offerId), "MARKET_OFFER_IS_RETIRED");
  });

  it("reads an offer that does not exist as MARKET_UNKNOWN_OFFER", async () => {
    const fx = await marketFixture();
    const err = await expectCode(getOffer(readerOf(fx), 42n), "MARKET_UNKNOWN_OFFER");
    expect(err.message).to.equal("UnknownOffer(offerId=42)");
  });
});
