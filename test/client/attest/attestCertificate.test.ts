import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";

import { ATTEST_CODES, IN_TOTO_PAYLOAD_TYPE, attestCertificate, buildStepStatement } from "../../../client/src/attest";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import {
  type SigstoreWorld,
  certificateBytes,
  expectProtocolError,
  startSigstoreWorld,
} from "../../devnet/sigstore/sigstoreWorld";

/** A 127.0.0.1 port with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("client/attest attestCertificate", () => {
  let world: SigstoreWorld;
  before(async () => {
    world = await startSigstoreWorld();
  });
  after(() => world.stop());

  const attest = (
    sigstore: { rekorUrl?: string; tsaUrl?: string },
    token = world.token(),
    bytes = certificateBytes(),
  ) =>
    attestCertificate({
      certificateBytes: bytes,
      token,
      sigstore: { fulcioUrl: world.sigstore.fulcioUrl, ...sigstore },
    });

  it("produces a GitHub-style v0.3 bundle: the leaf certificate, a DSSE in-toto statement, one RFC 3161 timestamp", async () => {
    const bytes = certificateBytes(2);
    const bundle = await attest({ tsaUrl: world.sigstore.tsaUrl }, world.token(), bytes);
    expect(bundle.mediaType).to.equal("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.verificationMaterial.certificate?.rawBytes).to.be.a("string");
    expect(bundle.verificationMaterial.x509CertificateChain).to.equal(undefined);
    expect(bundle.verificationMaterial.tlogEntries ?? []).to.have.length(0);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).to.have.length(1);
    expect(bundle.dsseEnvelope?.payloadType).to.equal(IN_TOTO_PAYLOAD_TYPE);
    expect(bundle.dsseEnvelope?.signatures).to.have.length(1);
    const payload = Buffer.from(bundle.dsseEnvelope!.payload, "base64").toString("utf8");
    expect(payload).to.equal(canonicalJson(buildStepStatement(bytes)));
  });

  it("produces a public-good-style bundle with one Rekor dsse entry and no TSA timestamp", async () => {
    const before = world.sigstore.logSize;
    const bundle = await attest({ rekorUrl: world.sigstore.rekorUrl });
    expect(bundle.verificationMaterial.tlogEntries).to.have.length(1);
    expect(bundle.verificationMaterial.tlogEntries[0]!.kindVersion).to.deep.equal({ kind: "dsse", version: "0.0.1" });
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).to.have.length(0);
    expect(world.sigstore.logSize).to.equal(before + 1);
  });

  it("uses a fresh ephemeral key per attestation", async () => {
    const a = await attest({ tsaUrl: world.sigstore.tsaUrl });
    const b = await attest({ tsaUrl: world.sigstore.tsaUrl });
    expect(a.verificationMaterial.certificate!.rawBytes).to.not.equal(b.verificationMaterial.certificate!.rawBytes);
  });

  it("refuses to sign without a Rekor or TSA URL, before any request", async () => {
    const before = world.sigstore.logSize;
    await expectProtocolError(() => attest({}), ATTEST_CODES.NO_WITNESS);
    expect(world.sigstore.logSize).to.equal(before);
  });

  it("refuses an empty or non-http endpoint instead of falling back to the public-good instance", async () => {
    const tsaUrl = world.sigstore.tsaUrl;
    for (const sigstore of [
      { fulcioUrl: "", tsaUrl },
      { fulcioUrl: world.sigstore.fulcioUrl, rekorUrl: "" },
      { fulcioUrl: "file:///etc/passwd", tsaUrl },
    ]) {
      await expectProtocolError(
        () => attestCertificate({ certificateBytes: certificateBytes(), token: world.token(), sigstore }),
        ATTEST_CODES.OPTIONS_INVALID,
      );
    }
  });

  it("refuses a token that is not a JWT or not for sigstore, without echoing it", async () => {
    const err = await expectProtocolError(
      () => attest({ tsaUrl: world.sigstore.tsaUrl }, "secret-token"),
      ATTEST_CODES.TOKEN_INVALID,
    );
    expect(err.message).to.not.include("secret-token");
    const gatewayToken = world.token({ aud: "swarm:31337:0xmarket:0xgateway" });
    const wrongAudience = await expectProtocolError(
      () => attest({ tsaUrl: world.sigstore.tsaUrl }, gatewayToken),
      ATTEST_CODES.TOKEN_INVALID,
    );
    expect(wrongAudience.message).to.not.include(gatewayToken);
  });

  it("refuses a non-canonical certificate before contacting Fulcio", async () => {
    await expectProtocolError(
      () => attest({ tsaUrl: world.sigstore.tsaUrl }, world.token(), Buffer.from(`${certificateBytes().toString()}\n`)),
      ATTEST_CODES.CERTIFICATE_MALFORMED,
    );
  });

  it("reports Fulcio's refusal of an expired token as ATTEST_SIGNING_FAILED with the client code and status", async () => {
    const token = world.token();
    world.time.advance(600);
    const err = await expectProtocolError(
      () => attest({ tsaUrl: world.sigstore.tsaUrl }, token),
      ATTEST_CODES.SIGNING_FAILED,
    );
    expect(err.message).to.include("CA_CREATE_SIGNING_CERTIFICATE_ERROR").and.include("HTTP 401");
    expect(err.message).to.not.include(token);
  });

  it("reports an unreachable TSA as ATTEST_SIGNING_FAILED (TSA_CREATE_TIMESTAMP_ERROR)", async () => {
    const tsaUrl = `http://127.0.0.1:${await closedPort()}/api/v1/timestamp`;
    const err = await expectProtocolError(() => attest({ tsaUrl }), ATTEST_CODES.SIGNING_FAILED);
    expect(err.message).to.include("TSA_CREATE_TIMESTAMP_ERROR");
  });
});
