import { expect } from "chai";

import { FULCIO_OIDS, derUtf8String, oidArcs } from "../../../client/src/attest";
import { VerifyFailure, decodeDerUtf8, leafIdentity, verifyIdentity } from "../../../client/src/verify";

const signerWith = (exts: [string, Buffer][]) => ({
  key: {} as never,
  identity: {
    subjectAlternativeName: "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main",
    extensions: { issuer: "https://token.actions.githubusercontent.com" },
    oids: exts.map(([oid, value]) => ({ oid: { id: oidArcs(oid) }, value })),
  },
});

describe("client/verify identity layer", () => {
  it("decodes DER UTF8Strings, short and long form, and refuses anything else", () => {
    for (const text of ["", "github-hosted", "x".repeat(200), "é".repeat(300)]) {
      expect(decodeDerUtf8(derUtf8String(text))).to.equal(text);
    }
    expect(decodeDerUtf8(Buffer.from("github-hosted"))).to.equal(undefined); // legacy raw bytes
    const tooLong = Buffer.concat([derUtf8String("abc"), Buffer.from([0])]);
    expect(decodeDerUtf8(tooLong)).to.equal(undefined);
    expect(decodeDerUtf8(Buffer.from([0x0c, 0x81, 0x05, 0x61]))).to.equal(undefined);
    expect(decodeDerUtf8(Buffer.from([0x0c, 0x02, 0xff, 0xfe]))).to.equal(undefined);
  });

  it("reads the Fulcio extensions of a signer", () => {
    const id = leafIdentity(signerWith([[FULCIO_OIDS.runnerEnvironment, derUtf8String("github-hosted")]]));
    expect(id.extensions).to.deep.equal({ runnerEnvironment: "github-hosted" });
  });

  it("rejects a repeated or malformed extension: FAILURE_IDENTITY_MISMATCH", () => {
    for (const exts of [
      [
        [FULCIO_OIDS.runnerEnvironment, derUtf8String("github-hosted")],
        [FULCIO_OIDS.runnerEnvironment, derUtf8String("self-hosted")],
      ],
      [[FULCIO_OIDS.buildSignerDigest, Buffer.from("abc")]],
    ] as [string, Buffer][][]) {
      expect(() => leafIdentity(signerWith(exts)))
        .to.throw(VerifyFailure)
        .with.property("code", "FAILURE_IDENTITY_MISMATCH");
    }
  });

  it("rejects a runner environment the policy does not allow, and a missing one", () => {
    const selfHosted = leafIdentity(signerWith([[FULCIO_OIDS.runnerEnvironment, derUtf8String("self-hosted")]]));
    const expected = {
      san: "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main",
      issuer: "https://token.actions.githubusercontent.com",
      runnerEnvironments: ["github-hosted"],
    };
    expect(() => verifyIdentity(selfHosted, expected))
      .to.throw(VerifyFailure)
      .with.property("code", "FAILURE_IDENTITY_MISMATCH");
    expect(() => verifyIdentity(leafIdentity(signerWith([])), expected)).to.throw(VerifyFailure);
  });
});
