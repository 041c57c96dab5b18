import { expect } from "chai";
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { buildTimestampRequest, parseTimestamp } from "../../../client/src/protocol/timestamp";
import { type DevTsa, parseTimestampRequest, startDevTsa } from "../../../devnet/tsa";

const digest = createHash("sha256").update("devnet").digest();

describe("devnet/tsa", function () {
  this.timeout(30_000);
  let tsa: DevTsa;
  before(async () => {
    tsa = await startDevTsa({ clock: () => new Date("2026-05-06T07:08:09.750Z") });
  });
  after(() => tsa?.stop());

  const post = (body: Uint8Array, type = "application/timestamp-query") =>
    fetch(tsa.url, { method: "POST", headers: { "content-type": type }, body: Buffer.from(body) });

  it("grants an RFC 3161 query with whole-second genTime and the certificates it asked for", async () => {
    const res = await post(buildTimestampRequest(digest, 5n));
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("application/timestamp-reply");
    const parsed = parseTimestamp(new Uint8Array(await res.arrayBuffer()));
    expect(parsed.status).to.equal(0);
    expect(parsed.tstInfo.genTime.toISOString()).to.equal("2026-05-06T07:08:09.000Z");
    expect(parsed.embedded).to.have.length(3);
  });

  it("embeds no certificate when certReq is false", async () => {
    const request = pkijs.TimeStampReq.fromBER(buildTimestampRequest(digest, 6n));
    request.certReq = false;
    const res = await post(new Uint8Array(request.toSchema().toBER(false)));
    expect(parseTimestamp(new Uint8Array(await res.arrayBuffer())).embedded).to.have.length(0);
  });

  it("answers a malformed query with a rejection (badDataFormat), not a token", async () => {
    const res = await post(new Uint8Array([0x30, 0x03, 0x02, 0x01]));
    expect(res.status).to.equal(400);
    const parsed = parseTimestamp(new Uint8Array(await res.arrayBuffer()));
    expect(parsed.status).to.equal(2);
    expect(parsed.tstInfoDer).to.have.length(0);
  });

  it("refuses a query sent as another content type", async () => {
    expect((await post(buildTimestampRequest(digest, 7n), "application/json")).status).to.equal(400);
  });

  it("answers only POST on its one path", async () => {
    expect((await fetch(tsa.url)).status).to.equal(405);
    expect((await fetch(tsa.url.replace("/tsr", "/other"), { method: "POST" })).status).to.equal(404);
  });

  it("parses only version-1 requests with a known imprint of the right length and no policy or extensions", () => {
    expect(parseTimestampRequest(buildTimestampRequest(digest, 1n))?.imprint.equals(digest)).to.equal(true);
    const wrongLength = pkijs.TimeStampReq.fromBER(buildTimestampRequest(digest, 1n));
    wrongLength.messageImprint.hashedMessage = new asn1js.OctetString({ valueHex: new Uint8Array(31) });
    expect(parseTimestampRequest(new Uint8Array(wrongLength.toSchema().toBER(false)))).to.equal(undefined);
    const withPolicy = pkijs.TimeStampReq.fromBER(buildTimestampRequest(digest, 1n));
    withPolicy.reqPolicy = "1.2.3.4";
    expect(parseTimestampRequest(new Uint8Array(withPolicy.toSchema().toBER(false)))).to.equal(undefined);
    expect(parseTimestampRequest(new Uint8Array([...buildTimestampRequest(digest, 1n), 0]))).to.equal(undefined);
  });
});
