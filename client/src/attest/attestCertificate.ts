import { type SerializedBundle, bundleToJSON } from "@sigstore/bundle";
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from "@sigstore/sign";
import { decodeJwt } from "jose";

import { ProtocolError } from "../protocol/errors";
import { canonicalJson } from "../protocol/jcs";
import { ATTEST_CODES } from "./errors";
import { IN_TOTO_PAYLOAD_TYPE, buildStepStatement } from "./statement";

/** The audience Fulcio requires of the OIDC token (GitHub's `actions/attest` asks for the same). */
export const SIGSTORE_AUDIENCE = "sigstore";
/** Per-request timeout towards Fulcio, Rekor and the TSA unless told otherwise. */
export const DEFAULT_SIGSTORE_TIMEOUT_MS = 10_000;

/** Where to sign: a Fulcio CA, and a Rekor log and/or an RFC 3161 TSA (at least one, for the timestamp). */
export interface SigstoreEndpoints {
  /** Base URL; the client appends `/api/v2/signingCert`. */
  fulcioUrl: string;
  /** Base URL; the client appends `/api/v1/log/entries`. Gives a public-good style bundle (tlog entry). */
  rekorUrl?: string;
  /** A bare origin (the client appends `/api/v1/timestamp`) or the full endpoint URL. Gives a GitHub style bundle. */
  tsaUrl?: string;
}

/** What `attestCertificate` needs. */
export interface AttestCertificateOptions {
  /** The exact certificate.json bytes (JCS); the subject digest is their sha256. */
  certificateBytes: Uint8Array;
  /** An OIDC token with audience `sigstore` (on GitHub: from ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore). */
  token: string;
  sigstore: SigstoreEndpoints;
  /** Per-request timeout in milliseconds. Default 10 s. Requests are not retried: the caller retries the whole. */
  timeoutMs?: number;
  /** Rekor entry kind. Default `dsse` (what GitHub's attest action submits); `intoto` for older logs. */
  rekorEntryType?: "dsse" | "intoto";
}

/** Refuses a token that Fulcio would refuse for its shape, before any request is made; never echoes it. */
function checkToken(token: string): void {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new ProtocolError(ATTEST_CODES.TOKEN_INVALID, "expected the OIDC token to be a JWT");
  }
  if (typeof claims.sub !== "string" || claims.sub === "") {
    throw new ProtocolError(ATTEST_CODES.TOKEN_INVALID, "expected the OIDC token to carry a string sub");
  }
  const audiences = typeof claims.aud === "string" ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.includes(SIGSTORE_AUDIENCE)) {
    throw new ProtocolError(
      ATTEST_CODES.TOKEN_INVALID,
      `expected the OIDC token's audience to be ${SIGSTORE_AUDIENCE}, got ${JSON.stringify(claims.aud)}`,
    );
  }
}

/**
 * Each given endpoint must be an absolute http(s) URL. An empty string would make `@sigstore/sign` fall back to
 * the public-good instance: Sigstore endpoints are explicit configuration, never a default.
 */
function checkEndpoints(endpoints: SigstoreEndpoints): void {
  for (const [name, value] of Object.entries(endpoints) as [string, unknown][]) {
    let url: URL | undefined;
    try {
      url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new ProtocolError(ATTEST_CODES.OPTIONS_INVALID, `expected sigstore.${name} to be an http(s) URL`);
    }
  }
}

/** The witnesses for the endpoints given: Rekor for a tlog entry, the TSA for an RFC 3161 timestamp. */
function witnessesFor(options: AttestCertificateOptions, timeout: number): Witness[] {
  const { rekorUrl, tsaUrl } = options.sigstore;
  const witnesses: Witness[] = [];
  if (rekorUrl !== undefined) {
    witnesses.push(
      new RekorWitness({ rekorBaseURL: rekorUrl, entryType: options.rekorEntryType ?? "dsse", timeout, retry: 0 }),
    );
  }
  if (tsaUrl !== undefined) witnesses.push(new TSAWitness({ tsaBaseURL: tsaUrl, timeout, retry: 0 }));
  if (witnesses.length === 0) {
    throw new ProtocolError(ATTEST_CODES.NO_WITNESS, "expected a rekorUrl or a tsaUrl: a bundle needs a timestamp");
  }
  return witnesses;
}

/**
 * A signing failure with the client's code and the server's status and message. The signing client's
 * identity-token errors quote the token in their message, so for those the cause is dropped.
 */
function signingFailed(err: unknown): ProtocolError {
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { statusCode?: unknown; message?: unknown } }).cause;
  const status = typeof cause?.statusCode === "number" ? ` (HTTP ${cause.statusCode}: ${String(cause.message)})` : "";
  const what = typeof code === "string" ? code : "an unexpected error";
  const quotesToken = typeof code === "string" && code.startsWith("IDENTITY_TOKEN");
  return new ProtocolError(
    ATTEST_CODES.SIGNING_FAILED,
    `expected a signed bundle, got ${what}${status}`,
    quotesToken ? {} : { cause: err },
  );
}

/**
 * Attests a step certificate: an in-toto Statement v1 (subject `certificate.json` with the certificate's sha256,
 * predicate type `https://swarm.dev/step-certificate/v1`) in a DSSE envelope, signed by an ephemeral P-256 key
 * certified by Fulcio for the token's identity, witnessed by Rekor and/or a TSA: a Sigstore bundle v0.3 built by
 * `@sigstore/sign` exactly as GitHub's artifact attestation builds it. Returns the bundle's JSON form.
 */
export async function attestCertificate(options: AttestCertificateOptions): Promise<SerializedBundle> {
  const statement = buildStepStatement(options.certificateBytes);
  checkEndpoints(options.sigstore);
  checkToken(options.token);
  const timeout = options.timeoutMs ?? DEFAULT_SIGSTORE_TIMEOUT_MS;
  const witnesses = witnessesFor(options, timeout);
  const token = options.token;
  const signer = new FulcioSigner({
    fulcioBaseURL: options.sigstore.fulcioUrl,
    identityProvider: { getToken: async () => token },
    timeout,
    retry: 0,
  });
  const builder = new DSSEBundleBuilder({ signer, witnesses });
  try {
    const bundle = await builder.create({
      data: Buffer.from(canonicalJson(statement), "utf8"),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    return bundleToJSON(bundle);
  } catch (err) {
    throw signingFailed(err);
  }
}
