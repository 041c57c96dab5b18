import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

import { isProtocolError } from "../../../../client/src/protocol/errors";
import {
  TIMESTAMP_CODES,
  type TsaTrust,
  parseTimestamp,
  tsaCertificate,
  tsaTrustFromPem,
  verifyTimestamp,
} from "../../../../client/src/protocol/timestamp";
import { fixturesDir, readText } from "../../../support/fixtures";

interface Rfc3161Expectation {
  response?: string;
  data?: string;
  chain?: string;
  genTime?: string;
  expect: string;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isProtocolError(err)) return err.code;
    throw err;
  }
  throw new Error("expected a ProtocolError");
}

describe("protocol/timestamp verifyTimestamp (RFC 3161 fixtures)", function () {
  const dir = fixturesDir();
  before(function () {
    if (dir === undefined) this.skip();
  });
  const bytes = (file: string) => new Uint8Array(readFileSync(path.join(dir!, "rfc3161", file)));
  const sha256 = (file: string) => createHash("sha256").update(bytes(file)).digest();
  const pem = (file: string) => readText(dir!, path.join("rfc3161", file));
  /** A trust pinned out of band on one certificate the token embeds (the fixtures' partial-chain anchors). */
  const pinEmbedded = (file: string, subjectPart: string): TsaTrust => {
    const cert = parseTimestamp(bytes(file)).embedded.find((c) =>
      c.subject.typesAndValues.some((tv) => String(tv.value.valueBlock.value).includes(subjectPart)),
    )!;
    return { anchors: [tsaCertificate(new Uint8Array(cert.toSchema().toBER(false)))], intermediates: [] };
  };
  const GITHUB_DEMO = "github-tsa/attest-demo-2024-04-22.tsr";

  it("verifies every response the fixtures expect valid, at its genTime, against its pinned chain", async () => {
    const all = JSON.parse(readText(dir!, "expectations.json")) as { rfc3161: Rfc3161Expectation[] };
    const valid = all.rfc3161.filter((e) => e.response && e.data && e.chain && e.expect.startsWith("valid"));
    expect(valid.length).to.be.at.least(6);
    for (const e of valid) {
      const chain = e.chain!.split(" ")[0]!.replace(/^rfc3161\//, "");
      const result = await verifyTimestamp(bytes(e.response!.replace(/^rfc3161\//, "")), {
        digest: sha256(e.data!.replace(/^rfc3161\//, "")),
        trust: tsaTrustFromPem(pem(chain)),
      });
      expect(result.genTime.toISOString(), e.response).to.equal(new Date(e.genTime!).toISOString());
    }
  });

  it("rejects a GitHub TSA token checked against another TSA generation's chain", async () => {
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2025-11-13.pem"));
    const got = await codeOf(
      verifyTimestamp(bytes(GITHUB_DEMO), { digest: sha256("github-tsa/attest-demo-2024-04-22.data.bin"), trust }),
    );
    expect(got).to.equal(TIMESTAMP_CODES.UNTRUSTED);
  });

  it("rejects a token over other data (imprint mismatch)", async () => {
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2023-10-27.pem"));
    const other = createHash("sha256").update("not the attested data").digest();
    expect(await codeOf(verifyTimestamp(bytes(GITHUB_DEMO), { digest: other, trust }))).to.equal(
      TIMESTAMP_CODES.IMPRINT_MISMATCH,
    );
  });

  it("rejects a token whose imprint algorithm differs from the one expected", async () => {
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2023-10-27.pem"));
    const digest = createHash("sha384").update(bytes("github-tsa/attest-demo-2024-04-22.data.bin")).digest();
    expect(await codeOf(verifyTimestamp(bytes(GITHUB_DEMO), { digest, hashAlgorithm: "sha384", trust }))).to.equal(
      TIMESTAMP_CODES.IMPRINT_MISMATCH,
    );
  });

  it("rejects a token whose signature bytes were altered", async () => {
    const tampered = bytes(GITHUB_DEMO);
    tampered[tampered.length - 1] ^= 0x01; // the last byte of the ECDSA signature's s
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2023-10-27.pem"));
    const digest = sha256("github-tsa/attest-demo-2024-04-22.data.bin");
    expect(await codeOf(verifyTimestamp(tampered, { digest, trust }))).to.equal(TIMESTAMP_CODES.SIGNATURE_INVALID);
  });

  it("rejects a token whose signed TSTInfo was altered (a moved genTime or serial)", async () => {
    const original = bytes(GITHUB_DEMO);
    const serial = Buffer.from(parseTimestamp(original).tstInfo.serialNumber.valueBlock.valueHexView);
    const at = Buffer.from(original).indexOf(serial);
    expect(at).to.be.greaterThan(0);
    const tampered = new Uint8Array(original);
    tampered[at + serial.length - 1] ^= 0x01;
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2023-10-27.pem"));
    const digest = sha256("github-tsa/attest-demo-2024-04-22.data.bin");
    expect(await codeOf(verifyTimestamp(tampered, { digest, trust }))).to.equal(TIMESTAMP_CODES.SIGNATURE_INVALID);
  });

  it("rejects a response whose DER was corrupted (sigstore-java's invalid response)", async () => {
    const trust = tsaTrustFromPem(pem("sigstore-java/sigstage-tsa-chain.pem"));
    const got = await codeOf(
      verifyTimestamp(bytes("sigstore-java/sigstore_tsa_response_invalid.tsr"), {
        digest: sha256("sigstore-java/test.txt"),
        trust,
      }),
    );
    expect(got).to.equal(TIMESTAMP_CODES.MALFORMED);
  });

  it("rejects a response with trailing bytes", async () => {
    const padded = new Uint8Array([...bytes(GITHUB_DEMO), 0x00]);
    const trust = tsaTrustFromPem(pem("github-tsa/github-tsa-chain-2023-10-27.pem"));
    const digest = sha256("github-tsa/attest-demo-2024-04-22.data.bin");
    expect(await codeOf(verifyTimestamp(padded, { digest, trust }))).to.equal(TIMESTAMP_CODES.MALFORMED);
  });

  it("rejects a FreeTSA token when the pinned TSA is Sigstore's (embedded certificates are not trusted)", async () => {
    const file = "sigstore-java/freetsa_response.tsr";
    const imprint = parseTimestamp(bytes(file)).tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView;
    const trust = tsaTrustFromPem(pem("sigstore-tsa/sigstore-tsa-chain.pem"));
    expect(await codeOf(verifyTimestamp(bytes(file), { digest: new Uint8Array(imprint), trust }))).to.equal(
      TIMESTAMP_CODES.UNTRUSTED,
    );
  });

  it("verifies GlobalSign's nonce response against a pinned partial chain and checks its nonce", async () => {
    const file = "digitorus-globalsign/respNonce.tsr";
    const trust = pinEmbedded(file, "GlobalSign Primary SHA256 CA for Adobe");
    const digest = sha256("digitorus-globalsign/data.txt");
    const result = await verifyTimestamp(bytes(file), { digest, trust, nonce: 0x092ef19ffb5d2ae8n });
    expect(result.genTime.toISOString()).to.equal("2017-04-19T06:29:53.000Z");
    expect(result.nonce).to.equal(0x092ef19ffb5d2ae8n);
    expect(await codeOf(verifyTimestamp(bytes(file), { digest, trust, nonce: 0x092ef19ffb5d2ae9n }))).to.equal(
      TIMESTAMP_CODES.NONCE_MISMATCH,
    );
  });

  it("verifies a response without certificates when the TSA certificate is supplied out of band", async () => {
    const donor = parseTimestamp(bytes("digitorus-globalsign/respNonce.tsr")).embedded;
    const toPem = (der: ArrayBuffer) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`;
    const chainPem = donor.map((c) => toPem(c.toSchema().toBER(false))).join("");
    const result = await verifyTimestamp(bytes("digitorus-globalsign/respNoCert.tsr"), {
      digest: sha256("digitorus-globalsign/data.txt"),
      trust: tsaTrustFromPem(chainPem),
    });
    expect(result.genTime.toISOString()).to.equal("2017-04-19T06:32:43.000Z");
  });

  it("verifies a bare TimeStampToken over a given digest", async () => {
    const file = "digitorus-globalsign/timeStampToken.der";
    const digest = Buffer.from("2da82c1572ff020524e05069219975c9ba90723f1a4dd5b9722aee8ec547a2ff", "hex");
    const result = await verifyTimestamp(bytes(file), { digest, trust: pinEmbedded(file, "GlobalSign CA for AATL") });
    expect(result.genTime.toISOString()).to.equal("2017-02-01T15:39:50.000Z");
  });

  it("rejects a token when the pin is an injected certificate that did not sign it ('Spoofed TSA')", async () => {
    const file = "timestamp-authority/response-injected-certs.tsr";
    const digest = createHash("sha512").update(bytes("timestamp-authority/hello.txt")).digest();
    const spoofed = pinEmbedded(file, "Spoofed TSA");
    expect(await codeOf(verifyTimestamp(bytes(file), { digest, hashAlgorithm: "sha512", trust: spoofed }))).to.equal(
      TIMESTAMP_CODES.UNTRUSTED,
    );
  });
});
