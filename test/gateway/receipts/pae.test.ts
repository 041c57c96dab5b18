import { sign } from "node:crypto";
import { expect } from "chai";
import { pae } from "../../../gateway/src/receipts/pae";
import { RFC8032_SEED_1, signerFromSeed } from "./fixtures/receiptFixtures";

describe("receipts/pae (DSSE v1 pre-authentication encoding)", () => {
  it("matches the DSSE protocol's hand-computed example byte for byte", () => {
    // secure-systems-lab/dsse protocol.md, "Test Vectors": SERIALIZED_BODY "hello world".
    const got = pae("http://example.com/HelloWorld", Buffer.from("hello world"));
    expect(got.toString("latin1")).to.equal("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  it("counts bytes, not characters, in LEN(type), so a non-ASCII type cannot shift the boundary", () => {
    const got = pae("application/vnd.exämple+json", Buffer.from("{}"));
    expect(got.toString("utf8")).to.equal("DSSEv1 29 application/vnd.exämple+json 2 {}");
  });

  it("encodes an empty body as LEN 0 followed by the separating space", () => {
    expect(pae("application/vnd.in-toto+json", Buffer.alloc(0)).toString("latin1")).to.equal(
      "DSSEv1 28 application/vnd.in-toto+json 0 ",
    );
  });

  it("reproduces the DSSE reference Ed25519 vector: the PAE bytes and the signature over them", () => {
    // dsse testvectors/vectors.json "single-signature": key A is RFC 8032 test 1.
    const body = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const encoded = pae("application/vnd.in-toto+json", body);
    expect(encoded.toString("hex")).to.equal(
      "445353457631203238206170706c69636174696f6e2f766e642e696e2d746f746f2b6a736f6e203433207b225f74797065223a" +
        "2268747470733a2f2f696e2d746f746f2e696f2f53746174656d656e742f7631227d",
    );
    const sig = sign(null, encoded, signerFromSeed(RFC8032_SEED_1).privateKey).toString("base64");
    expect(sig).to.equal("2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA==");
  });
});
