import { expect } from "chai";

import { ProtocolError } from "../../../client/src/protocol/errors";
import { CheckUnchecked, Checklist, INTERNAL_ERROR, VerifyCode } from "../../../client/src/verify";
import { failVerify } from "../../../client/src/verify/failure";

describe("client/verify Checklist: valid only when earned", () => {
  it("is indeterminate with no checks at all (never valid by default)", () => {
    expect(new Checklist().outcome()).to.deep.equal({ result: "indeterminate", code: INTERNAL_ERROR });
  });

  it("is valid when every check passed", () => {
    const list = new Checklist();
    list.run("a", () => 1);
    list.run("b", () => undefined);
    expect(list.outcome()).to.deep.equal({ result: "valid" });
  });

  it("is invalid at the first failure, with its code, and skips every later check", () => {
    const list = new Checklist();
    list.run("a", () => failVerify(VerifyCode.HASH_MISMATCH, "x"));
    let ran = false;
    list.run("b", () => (ran = true));
    expect(ran).to.equal(false);
    expect(list.outcome()).to.deep.equal({ result: "invalid", code: VerifyCode.HASH_MISMATCH });
    expect(list.checks.map((c) => c.status)).to.deep.equal(["failed", "skipped"]);
  });

  it("prefers invalid over indeterminate, and names what is missing", () => {
    const list = new Checklist();
    list.run("root", () => {
      throw new CheckUnchecked("INDETERMINATE_TRUST_ROOT_MISSING", "no root", ["a root"], true);
    });
    expect(list.outcome().result).to.equal("indeterminate");
    expect(list.missing).to.deep.equal(["a root"]);
    list.run("hash", () => failVerify(VerifyCode.HASH_MISMATCH, "x"));
    expect(list.outcome().result).to.equal("invalid");
  });

  it("keeps a non-blocking unchecked check from changing a valid result", () => {
    const list = new Checklist();
    list.run("a", () => 1);
    list.unchecked("recorded", new CheckUnchecked("UNCHECKED_CHAIN_FACTS_RECORDED", "recorded", ["rpc"], false));
    expect(list.outcome()).to.deep.equal({ result: "valid" });
  });

  it("turns an unexpected error into indeterminate, never blaming the evidence and never valid", () => {
    const list = new Checklist();
    list.run("a", () => {
      throw new TypeError("bug");
    });
    list.run("b", () => {
      throw new ProtocolError("SOMETHING", "other");
    });
    expect(list.outcome()).to.deep.equal({ result: "indeterminate", code: INTERNAL_ERROR });
  });

  it("is indeterminate when a check was skipped for a missing value without a recorded reason", () => {
    const list = new Checklist();
    list.run("a", () => 1, false);
    expect(list.outcome().result).to.equal("indeterminate");
  });
});
