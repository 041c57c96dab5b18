import { randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { TIMESTAMP_CODES, timestampError } from "./codes";
import { IMPRINT_HASHES } from "./oids";
import { parseTimestamp } from "./parseTimestamp";
import type { TsaTrust } from "./tsaTrust";
import { verifyGranted, verifyImprint, verifyNonce } from "./verifyImprint";
import { type VerifiedTimestamp, verifyTimestamp } from "./verifyTimestamp";

/** The largest TimeStampResp accepted from a TSA. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** How to ask a TSA. */
export interface TimestampRequestOptions {
  /** The nonce to send; default 8 random bytes (positive). */
  nonce?: bigint;
  /** When given, the answer is fully verified against this pinned TSA chain before it is returned. */
  trust?: TsaTrust;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

/** A DER TimeStampReq (RFC 3161 §2.4.1): version 1, a SHA-256 imprint of `digest`, `nonce`, certReq true. */
export function buildTimestampRequest(digest: Uint8Array, nonce: bigint): Uint8Array<ArrayBuffer> {
  if (digest.length !== IMPRINT_HASHES.sha256.length) {
    throw timestampError(TIMESTAMP_CODES.IMPRINT_MISMATCH, `expected a 32-byte sha256 digest, got ${digest.length}`);
  }
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: IMPRINT_HASHES.sha256.oid,
        algorithmParams: new asn1js.Null(),
      }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: unsignedBytes(nonce) }),
    certReq: true,
  });
  return new Uint8Array(request.toSchema().toBER(false));
}

/** A positive INTEGER's content octets for `n` (a leading zero when the top bit is set). */
function unsignedBytes(n: bigint): Uint8Array {
  if (n <= 0n) throw timestampError(TIMESTAMP_CODES.MALFORMED, "expected a positive nonce");
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return new Uint8Array(Buffer.from(hex, "hex"));
}

async function readLimited(res: Response): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_RESPONSE_BYTES) throw new Error(`answer of ${declared} bytes`);
  const body = new Uint8Array(await res.arrayBuffer());
  if (body.length > MAX_RESPONSE_BYTES) throw new Error(`answer of ${body.length} bytes`);
  return body;
}

/**
 * Asks the TSA at `url` (RFC 3161 over HTTP, `application/timestamp-query`) to timestamp a sha256 `digest`, and
 * returns its DER TimeStampResp once it is granted, over this digest, with this request's nonce (and, with
 * `trust`, fully verified). Transport failures are FAILURE_TIMESTAMP_TSA_UNAVAILABLE.
 */
export async function requestTimestamp(
  url: string,
  digest: Uint8Array,
  fetchFn: typeof fetch,
  options: TimestampRequestOptions = {},
): Promise<{ response: Uint8Array; verified: VerifiedTimestamp | undefined }> {
  const nonce = options.nonce ?? BigInt(`0x${randomBytes(8).toString("hex")}`) + 1n;
  const body = buildTimestampRequest(digest, nonce);
  let response: Uint8Array;
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
      body: Buffer.from(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (res.status !== 200 && res.status !== 201) {
      await res.body?.cancel();
      throw new Error(`status ${res.status}`);
    }
    response = await readLimited(res);
  } catch (cause) {
    throw timestampError(TIMESTAMP_CODES.TSA_UNAVAILABLE, `expected a TimeStampResp from the TSA`, cause);
  }
  const parsed = parseTimestamp(response);
  verifyGranted(parsed);
  verifyImprint(parsed, digest, "sha256");
  verifyNonce(parsed, nonce);
  const verified =
    options.trust === undefined ? undefined : await verifyTimestamp(response, { digest, nonce, trust: options.trust });
  return { response, verified };
}
