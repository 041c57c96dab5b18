import { expect } from "chai";

import { parseAddress, parseAmount, parseCount, parseId } from "../../../client/src/cli/args";
import { CliError } from "../../../client/src/cli/errors";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as CliError).code;
  }
  return "none";
}

describe("client/cli/args", () => {
  it("parses amounts in base units, ether and gwei", () => {
    expect(parseAmount("1000", "--price")).to.equal(1000n);
    expect(parseAmount("0.01ether", "--price")).to.equal(10_000_000_000_000_000n);
    expect(parseAmount("5gwei", "--price")).to.equal(5_000_000_000n);
  });

  it("refuses a fraction of a base unit, a negative or a malformed amount", () => {
    for (const bad of ["1.5", "-1", "1e18", "0x10", "ether"])
      expect(codeOf(() => parseAmount(bad, "--price"))).to.equal("ARGUMENT_INVALID");
  });

  it("refuses ids and counts that are not plain decimals in range", () => {
    expect(parseId("0", "offerId")).to.equal(0n);
    for (const bad of ["01", "1.0", "-1", "0x1", " 1", (1n << 256n).toString()])
      expect(codeOf(() => parseId(bad, "offerId"))).to.equal("ARGUMENT_INVALID");
    expect(codeOf(() => parseCount("0", "--steps", { min: 1 }))).to.equal("ARGUMENT_INVALID");
    expect(parseCount("3", "--steps", { min: 1 })).to.equal(3);
  });

  it("checksums addresses and refuses malformed ones", () => {
    expect(parseAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3", "--market")).to.equal(
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    );
    expect(codeOf(() => parseAddress("0x5fbd", "--market"))).to.equal("ARGUMENT_INVALID");
  });
});
