import { expect } from "chai";

import { RetryBook, backoffMs } from "../../../client/src/keeper/backoff";

describe("keeper backoff", () => {
  const b = { initialMs: 100, maxMs: 1_000, factor: 2 };

  it("doubles from the initial delay and stays at the cap", () => {
    expect([0, 1, 2, 3, 4, 10, 1000].map((n) => backoffMs(n, b))).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it("holds a failing key back until its delay has passed, and forgets it once cleared", () => {
    const book = new RetryBook(b);
    expect(book.due("1/1", 0)).to.equal(true);
    expect(book.failed("1/1", 0)).to.equal(100);
    expect(book.due("1/1", 99)).to.equal(false);
    expect(book.due("1/1", 100)).to.equal(true);
    expect(book.failed("1/1", 100)).to.equal(200);
    expect(book.due("1/1", 299)).to.equal(false);
    expect(book.due("2/1", 0)).to.equal(true);
    book.clear("1/1");
    expect(book.due("1/1", 0)).to.equal(true);
  });
});
