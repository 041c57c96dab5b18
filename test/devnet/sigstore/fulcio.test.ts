import { generateKeyPairSync, sign } from "node:crypto";
import { X509Certificate } from "@sigstore/core";
import { FulcioSigner } from "@sigstore/sign";
import { expect } from "chai";

import { startDevOidcIssuer } from "../../../devnet/oidc";
import { FULCIO_CODES, LEAF_VALIDITY_SECONDS, TOKEN_CODES } from "../../../devnet/sigstore";
import {
  type SigstoreWorld,
  DEFAULT_SAN,
  ephemeralKey,
  leafOf,
  pemToDer,
  postSigningCert,
  startSigstoreWorld,
} from "./sigstoreWorld";

/** Asserts a refusal: the status and the stable code of Fulcio's `{code, message}` answer. */
async function expectRefusal(response: Promise<Response>, status: number, code: string): Promise<void> {
  const answer = await response;
  const body = (await answer.json()) as { code: string; message: string };
  expect(body.code, body.message).to.equal(code);
  expect(answer.status).to.equal(status);
}

describe("devnet/sigstore Fulcio", () => {
  let world: SigstoreWorld;
  beforeEach(async () => {
    world = await startSigstoreWorld();
  });
  afterEach(() => world.stop());

  const post = (token: string, options?: Parameters<typeof postSigningCert>[2]) =>
    postSigningCert(world.sigstore.fulcioUrl, token, options);

  describe("issuance", () => {
    it("issues a 10-minute leaf from the clock, empty subject, GitHub SAN, chained intermediate then root", async () => {
      const response = await post(world.token());
      const body = (await response.clone().json()) as {
        signedCertificateDetachedSct: { chain: { certificates: string[] } };
      };
      const leaf = X509Certificate.parse(await leafOf(response));
      const [, intermediatePem, rootPem] = body.signedCertificateDetachedSct.chain.certificates;
      const intermediate = X509Certificate.parse(pemToDer(intermediatePem!));
      expect(leaf.verify(intermediate)).to.equal(true);
      expect(intermediate.verify(X509Certificate.parse(pemToDer(rootPem!)))).to.equal(true);
      expect(leaf.notBefore.getTime()).to.equal(world.time.clock().getTime());
      expect(leaf.notAfter.getTime() - leaf.notBefore.getTime()).to.equal(LEAF_VALIDITY_SECONDS * 1000);
      expect(leaf.subject.length).to.equal(0); // an empty RDN sequence, as GitHub's leaves
      expect(leaf.subjectAltName).to.equal(DEFAULT_SAN);
      expect(leaf.isCA).to.equal(false);
    });

    it("certifies the requested key, not another", async () => {
      const key = ephemeralKey();
      const leaf = X509Certificate.parse(await leafOf(await post(world.token(), { key })));
      expect(leaf.publicKey.equals(pemToDer(key.publicPem.replace(/PUBLIC KEY/g, "CERTIFICATE")))).to.equal(true);
    });

    it("accepts a P-384 key", async () => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
      const key = { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
      expect((await post(world.token(), { key })).status).to.equal(201);
    });
  });

  describe("identity token", () => {
    it("refuses a token from another issuer, even one with a valid signature and audience", async () => {
      const other = await startDevOidcIssuer({ clock: world.time.clock });
      try {
        await expectRefusal(post(other.mint({ aud: "sigstore" })), 401, TOKEN_CODES.ISSUER_MISMATCH);
      } finally {
        await other.stop();
      }
    });

    it("refuses a token naming this issuer but signed with another key", async () => {
      const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      const forged = world.issuer.mint({ aud: "sigstore" }, { signingKey: attacker });
      await expectRefusal(post(forged), 401, TOKEN_CODES.SIGNATURE_INVALID);
    });

    it("refuses alg none and HS256 keyed with the issuer's public key", async () => {
      await expectRefusal(
        post(world.issuer.mint({ aud: "sigstore" }, { alg: "none" })),
        401,
        TOKEN_CODES.SIGNATURE_INVALID,
      );
      await expectRefusal(
        post(world.issuer.mint({ aud: "sigstore" }, { alg: "HS256" })),
        401,
        TOKEN_CODES.SIGNATURE_INVALID,
      );
    });

    it("refuses an expired token", async () => {
      const token = world.token();
      world.time.advance(301);
      await expectRefusal(post(token), 401, TOKEN_CODES.EXPIRED);
    });

    it("refuses a token for another audience (GitHub's default, the owner URL)", async () => {
      await expectRefusal(
        post(world.token({ aud: "https://github.com/octo-org" })),
        401,
        TOKEN_CODES.AUDIENCE_MISMATCH,
      );
    });

    it("refuses a token that is not valid yet", async () => {
      const now = world.time.seconds();
      await expectRefusal(post(world.token({ nbf: now + 120 })), 401, TOKEN_CODES.NOT_YET_VALID);
    });

    it("refuses a token lacking a claim the certificate is built from", async () => {
      await expectRefusal(post(world.token({ job_workflow_sha: undefined })), 401, TOKEN_CODES.CLAIMS_INVALID);
      await expectRefusal(post(world.token({ run_attempt: 1 })), 401, TOKEN_CODES.CLAIMS_INVALID);
    });

    it("refuses a string that is not a JWT", async () => {
      await expectRefusal(post("not.a.jwt", { proof: "AA==" }), 401, TOKEN_CODES.MALFORMED);
    });

    it("answers 503 while the issuer's JWKS is unavailable, then issues once it is back", async () => {
      world.issuer.setJwksAvailable(false);
      await expectRefusal(post(world.token()), 503, TOKEN_CODES.JWKS_UNAVAILABLE);
      world.issuer.setJwksAvailable(true);
      expect((await post(world.token())).status).to.equal(201);
    });
  });

  describe("proof of possession", () => {
    it("refuses a proof made by another key than the one to certify", async () => {
      const thief = ephemeralKey();
      const sub = "repo:octo-org/octo-repo:ref:refs/heads/main";
      const proof = sign("sha256", Buffer.from(sub), thief.privateKey).toString("base64");
      await expectRefusal(post(world.token(), { proof }), 400, FULCIO_CODES.PROOF_OF_POSSESSION_INVALID);
    });

    it("refuses a proof over another challenge than the token's sub", async () => {
      const key = ephemeralKey();
      const proof = sign("sha256", Buffer.from("repo:evil/repo:ref:refs/heads/main"), key.privateKey).toString(
        "base64",
      );
      await expectRefusal(post(world.token(), { key, proof }), 400, FULCIO_CODES.PROOF_OF_POSSESSION_INVALID);
    });

    it("refuses RSA, Ed25519 and P-521 keys, and a certificate in place of a key", async () => {
      for (const [type, options] of [
        ["rsa", { modulusLength: 2048 }],
        ["ed25519", {}],
        ["ec", { namedCurve: "P-521" }],
      ] as const) {
        const pair = generateKeyPairSync(type as "rsa", options as { modulusLength: number });
        const key = {
          privateKey: pair.privateKey,
          publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
        };
        await expectRefusal(post(world.token(), { key, proof: "AA==" }), 400, FULCIO_CODES.PUBLIC_KEY_UNSUPPORTED);
      }
      const leafPem = (
        (await (await post(world.token())).json()) as {
          signedCertificateDetachedSct: { chain: { certificates: string[] } };
        }
      ).signedCertificateDetachedSct.chain.certificates[0]!;
      const key = { ...ephemeralKey(), publicPem: leafPem };
      await expectRefusal(post(world.token(), { key }), 400, FULCIO_CODES.PUBLIC_KEY_UNSUPPORTED);
    });
  });

  it("refuses requests of another shape (a CSR, unknown fields, a missing token)", async () => {
    const token = world.token();
    for (const body of [
      { credentials: { oidcIdentityToken: token }, certificateSigningRequest: "MII=" },
      { credentials: { oidcIdentityToken: token, extra: 1 }, publicKeyRequest: {} },
      { publicKeyRequest: { publicKey: { content: ephemeralKey().publicPem }, proofOfPossession: "AA==" } },
    ]) {
      await expectRefusal(post(token, { body }), 400, FULCIO_CODES.REQUEST_MALFORMED);
    }
  });

  it("surfaces a refusal through the standard client as CA_CREATE_SIGNING_CERTIFICATE_ERROR with the status", async () => {
    const token = world.token({ aud: "elsewhere" });
    const signer = new FulcioSigner({
      fulcioBaseURL: world.sigstore.fulcioUrl,
      identityProvider: { getToken: async () => token },
    });
    const failure = await signer.sign(Buffer.from("x")).then(
      () => expect.fail("expected a refusal"),
      (err: unknown) => err as { code: string; cause: { statusCode: number } },
    );
    expect(failure.code).to.equal("CA_CREATE_SIGNING_CERTIFICATE_ERROR");
    expect(failure.cause.statusCode).to.equal(401);
  });
});
