import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as asn1js from "asn1js";

import { isProtocolError } from "../../../../client/src/protocol/errors";
import {
  TIMESTAMP_CODES,
  buildTimestampRequest,
  requestTimestamp,
  tsaTrustFromPem,
  verifyTimestamp,
  verifyTimestampWithPem,
} from "../../../../client/src/protocol/timestamp";
import { createDevnetPki } from "../../../../devnet/sigstore/certificateAuthority";
import { createTimestampIssuer } from "../../../../devnet/sigstore/timestampAuthority";
import { type DevTsa, startDevTsa } from "../../../../devnet/tsa";
import { fixturesDir } from "../../../support/fixtures";

const T0 = new Date("2026-01-02T03:04:05Z");
const digestOf = (s: string) => createHash("sha256").update(s).digest();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a ProtocolError");
}

describe("protocol/timestamp requestTimestamp against the dev TSA on 127.0.0.1", function () {
  this.timeout(30_000);
  let tsa: DevTsa;
  before(async () => {
    tsa = await startDevTsa({ clock: () => T0 });
  });
  after(() => tsa?.stop());

  it("gets a granted token over the digest with its nonce, which verifies against the TSA's pinned chain", async () => {
    const digest = digestOf("CLAIM.dsse.json bytes");
    const trust = tsaTrustFromPem(tsa.chainPem);
    const { response, verified } = await requestTimestamp(tsa.url, digest, fetch, { trust, nonce: 42n });
    expect(verified?.genTime.toISOString()).to.equal(T0.toISOString());
    expect(verified?.nonce).to.equal(42n);
    const again = await verifyTimestampWithPem(response, digest, tsa.chainPem);
    expect(again.chain).to.have.length(3);
  });

  it("sends a random positive nonce by default and checks it", async () => {
    const { verified } = await requestTimestamp(tsa.url, digestOf("x"), fetch, {
      trust: tsaTrustFromPem(tsa.chainPem),
    });
    expect(verified?.nonce).to.be.a("bigint");
    expect(verified!.nonce! > 0n).to.equal(true);
  });

  it("rejects a replayed reply carrying another request's nonce", async () => {
    const { response } = await requestTimestamp(tsa.url, digestOf("y"), fetch, { nonce: 7n });
    const replaying: typeof fetch = async () => new Response(Buffer.from(response), { status: 200 });
    expect(await codeOf(requestTimestamp(tsa.url, digestOf("y"), replaying, { nonce: 8n }))).to.equal(
      TIMESTAMP_CODES.NONCE_MISMATCH,
    );
  });

  it("rejects a reply over another digest", async () => {
    const { response } = await requestTimestamp(tsa.url, digestOf("other"), fetch, { nonce: 9n });
    const substituting: typeof fetch = async () => new Response(Buffer.from(response), { status: 200 });
    expect(await codeOf(requestTimestamp(tsa.url, digestOf("mine"), substituting, { nonce: 9n }))).to.equal(
      TIMESTAMP_CODES.IMPRINT_MISMATCH,
    );
  });

  it("reports an unreachable TSA as unavailable", async () => {
    const gone = await startDevTsa({ clock: () => T0 });
    await gone.stop();
    expect(await codeOf(requestTimestamp(gone.url, digestOf("z"), fetch))).to.equal(TIMESTAMP_CODES.TSA_UNAVAILABLE);
  });

  it("reports a refusing TSA (HTTP 400) as unavailable", async () => {
    const refusing: typeof fetch = async () => new Response("no", { status: 400 });
    expect(await codeOf(requestTimestamp(tsa.url, digestOf("z"), refusing))).to.equal(TIMESTAMP_CODES.TSA_UNAVAILABLE);
  });

  it("refuses to ask for anything but a 32-byte sha256 digest", () => {
    expect(() => buildTimestampRequest(new Uint8Array(20), 1n))
      .to.throw()
      .with.property("code", TIMESTAMP_CODES.IMPRINT_MISMATCH);
  });

  it("builds the same TimeStampReq as the GlobalSign fixture's for its digest and nonce", function () {
    const dir = fixturesDir();
    if (dir === undefined) this.skip();
    const file = (f: string) => readFileSync(path.join(dir!, "rfc3161/digitorus-globalsign", f));
    const built = buildTimestampRequest(file("hashedMessage.bin"), 0x092ef19ffb5d2ae8n);
    expect(Buffer.from(built).toString("hex")).to.equal(file("reqNonce.tsq").toString("hex"));
  });
});

describe("protocol/timestamp verifyTimestamp against dev TSA certificates", function () {
  this.timeout(30_000);

  it("rejects a token signed at a time outside the TSA certificate's validity", async () => {
    let now = T0;
    const tsa = await startDevTsa({ clock: () => now });
    try {
      now = new Date(T0.getTime() + 20 * 365 * 86400_000);
      const digest = digestOf("late");
      const { response } = await requestTimestamp(tsa.url, digest, fetch);
      expect(await codeOf(verifyTimestamp(response, { digest, trust: tsaTrustFromPem(tsa.chainPem) }))).to.equal(
        TIMESTAMP_CODES.TIME_INVALID,
      );
    } finally {
      await tsa.stop();
    }
  });

  it("rejects a token signed by a certificate without the critical timeStamping EKU (a CA key used as TSA)", async () => {
    const pki = await createDevnetPki(T0);
    const issue = createTimestampIssuer(pki.tsaIntermediate, [], () => T0);
    const digest = digestOf("eku");
    const response = await issue({ hashOid: "2.16.840.1.101.3.4.2.1", imprint: digest, certificates: false });
    const pem = [pki.tsaIntermediate, pki.root].map((c) => `${c.certificate.toString("pem")}\n`).join("");
    expect(await codeOf(verifyTimestamp(response, { digest, trust: tsaTrustFromPem(pem) }))).to.equal(
      TIMESTAMP_CODES.EKU_INVALID,
    );
  });

  it("rejects a granted-looking response whose status is a rejection", async () => {
    const rejected = new asn1js.Sequence({
      value: [new asn1js.Sequence({ value: [new asn1js.Integer({ value: 2 })] })],
    }).toBER(false);
    const pki = await createDevnetPki(T0);
    const pem = `${pki.root.certificate.toString("pem")}\n`;
    expect(
      await codeOf(verifyTimestamp(new Uint8Array(rejected), { digest: digestOf("r"), trust: tsaTrustFromPem(pem) })),
    ).to.equal(TIMESTAMP_CODES.NOT_GRANTED);
  });
});
