import { createHash, randomBytes } from "node:crypto";
import { RFC3161Timestamp } from "@sigstore/core";
import * as pkijs from "pkijs";
import { expect } from "chai";

import {
  type DevnetPki,
  SigstoreRefusal,
  TSA_CODES,
  TSA_POLICY_OID,
  createDevnetPki,
  createTimestampAuthority,
} from "../../../devnet/sigstore";
import { manualClock } from "../../gateway/oidc/fixtures";

describe("devnet/sigstore timestamp authority", () => {
  const time = manualClock();
  let pki: DevnetPki;
  let timestamp: ReturnType<typeof createTimestampAuthority>;
  let chain: Buffer[];

  before(async () => {
    pki = await createDevnetPki(time.clock());
    chain = [pki.tsaSigner, pki.tsaIntermediate, pki.root].map((c) => Buffer.from(c.certificate.rawData));
    timestamp = createTimestampAuthority(pki.tsaSigner, chain, time.clock);
  });

  const signature = randomBytes(71);
  const request = (extra: Record<string, unknown> = {}) => ({
    artifactHash: createHash("sha256").update(signature).digest("base64"),
    hashAlgorithm: "sha256",
    ...extra,
  });
  const signedDataOf = (der: Buffer) => {
    const response = pkijs.TimeStampResp.fromBER(new Uint8Array(der));
    return new pkijs.SignedData({ schema: response.timeStampToken!.content });
  };

  it("answers a granted TimeStampResp over the hash, signed by the TSA certificate, at the clock's whole second", async () => {
    const der = await timestamp(request());
    const parsed = RFC3161Timestamp.parse(der);
    expect(parsed.status).to.equal(0n);
    expect(parsed.signingTime.getTime()).to.equal(time.seconds() * 1000);
    const signer = pki.tsaSigner.keys.publicKey;
    expect(() => parsed.verify(signature, signer)).to.not.throw();
    expect(() => parsed.verify(randomBytes(71), signer)).to.throw("message imprint does not match artifact");
    expect(parsed.signerSerialNumber.toString("hex")).to.equal(pki.tsaSigner.certificate.serialNumber);
  });

  it("signs like GitHub's TSA: ECDSA-SHA384, Sigstore's policy OID, accuracy 1 s, no certificates unless asked", async () => {
    const der = await timestamp(request());
    const parsed = RFC3161Timestamp.parse(der);
    expect(parsed.signatureAlgorithm).to.equal("sha384");
    expect(parsed.signerDigestAlgorithm).to.equal("sha384");
    const signedData = signedDataOf(der);
    expect(signedData.certificates ?? []).to.have.length(0);
    const tstInfo = pkijs.TSTInfo.fromBER(
      new Uint8Array(signedData.encapContentInfo.eContent!.valueBlock.valueHexView),
    );
    expect(tstInfo.policy).to.equal(TSA_POLICY_OID);
    expect(tstInfo.accuracy?.seconds).to.equal(1);
    expect(tstInfo.serialNumber.valueBlock.valueHexView.length).to.equal(20);
    const attributes = signedData.signerInfos[0]!.signedAttrs!.attributes.map((a) => a.type);
    expect(attributes).to.deep.equal([
      "1.2.840.113549.1.9.3",
      "1.2.840.113549.1.9.5",
      "1.2.840.113549.1.9.4",
      "1.2.840.113549.1.9.16.2.47",
    ]);
  });

  it("embeds the chain when the request asks for certificates, and echoes a nonce", async () => {
    const signedData = signedDataOf(await timestamp(request({ certificates: true, nonce: 424242 })));
    expect(signedData.certificates).to.have.length(3);
    const tstInfo = pkijs.TSTInfo.fromBER(
      new Uint8Array(signedData.encapContentInfo.eContent!.valueBlock.valueHexView),
    );
    expect(tstInfo.nonce?.valueBlock.valueDec).to.equal(424242);
  });

  it("refuses a hash of the wrong length for its algorithm, an unknown algorithm, or a missing hash", async () => {
    for (const body of [
      request({ hashAlgorithm: "sha384" }),
      request({ hashAlgorithm: "md5" }),
      { hashAlgorithm: "sha256" },
      "not an object",
    ]) {
      const failure = await timestamp(body).then(
        () => expect.fail("expected a refusal"),
        (err: unknown) => err,
      );
      expect(failure).to.be.instanceOf(SigstoreRefusal);
      expect((failure as SigstoreRefusal).code).to.equal(TSA_CODES.REQUEST_MALFORMED);
      expect((failure as SigstoreRefusal).status).to.equal(400);
    }
  });
});
