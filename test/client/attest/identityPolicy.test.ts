import { expect } from "chai";

import {
  ATTEST_CODES,
  FULCIO_OIDS,
  derUtf8String,
  exactPattern,
  oidArcs,
  toVerificationPolicy,
} from "../../../client/src/attest";
import { expectProtocolError } from "../../devnet/sigstore/sigstoreWorld";

describe("client/attest identity policy", () => {
  it("anchors and escapes the SAN so that it matches only itself", () => {
    const san = "https://github.com/o/r/.github/workflows/a+b(c)[d]{e}|f^g$h*i?.yml@refs/heads/main";
    const pattern = new RegExp(exactPattern(san));
    expect(pattern.test(san)).to.equal(true);
    expect(pattern.test(`${san}x`)).to.equal(false);
    expect(pattern.test(`x${san}`)).to.equal(false);
    expect(pattern.test(san.replace(".github", "Xgithub"))).to.equal(false);
  });

  it("encodes DER UTF8String with short and long length forms", () => {
    expect(derUtf8String("push").toString("hex")).to.equal("0c0470757368");
    const long = "a".repeat(200);
    expect(derUtf8String(long).subarray(0, 3).toString("hex")).to.equal("0c81c8");
    expect(derUtf8String("b".repeat(300)).subarray(0, 4).toString("hex")).to.equal("0c82012c");
  });

  it("turns pinned extensions into OID policies over the whole DER value", () => {
    const policy = toVerificationPolicy({
      san: "https://github.com/o/r/.github/workflows/a.yml@refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
      extensions: { buildSignerDigest: "ab".repeat(20) },
    });
    expect(policy.extensions).to.deep.equal({ issuer: "https://token.actions.githubusercontent.com" });
    expect(policy.oids).to.deep.equal([
      { oid: { id: oidArcs(FULCIO_OIDS.buildSignerDigest) }, value: derUtf8String("ab".repeat(20)) },
    ]);
    expect(oidArcs(FULCIO_OIDS.buildSignerDigest)).to.deep.equal([1, 3, 6, 1, 4, 1, 57264, 1, 10]);
  });

  it("refuses an empty SAN or issuer and unknown extension names: ATTEST_OPTIONS_INVALID", async () => {
    await expectProtocolError(() => toVerificationPolicy({ san: "x", issuer: "" }), ATTEST_CODES.OPTIONS_INVALID);
    await expectProtocolError(
      () => toVerificationPolicy({ san: "x", issuer: "y", extensions: { sha: "1" } as never }),
      ATTEST_CODES.OPTIONS_INVALID,
    );
  });
});
