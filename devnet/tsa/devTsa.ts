import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

import { type Clock, systemClock } from "../../client/src/protocol/clock";
import { createDevnetPki } from "../sigstore/certificateAuthority";
import { createTimestampIssuer } from "../sigstore/timestampAuthority";
import { parseTimestampRequest } from "./parseTimestampRequest";

/** The path the dev TSA answers RFC 3161 requests on. */
export const DEV_TSA_PATH = "/tsr";
const MAX_REQUEST_BYTES = 16 * 1024;
/** PKIFailureInfo badDataFormat (bit 5), as a DER BIT STRING value. */
const BAD_DATA_FORMAT = new Uint8Array([0x02, 0x04]);

/** How the dev TSA starts. */
export interface DevTsaOptions {
  /** genTime and certificate validity. Default: the machine's clock. */
  clock?: Clock;
  /** TCP port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running development TSA. */
export interface DevTsa {
  /** The full RFC 3161 endpoint URL: `http://127.0.0.1:<port>/tsr`. */
  readonly url: string;
  /** Its chain, signer first, root last (PEM): what a verifier pins for it. */
  readonly chainPem: string;
  stop(): Promise<void>;
}

/** A TimeStampResp rejecting the request as badDataFormat. */
function rejection(): Buffer {
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      failInfo: new asn1js.BitString({ valueHex: BAD_DATA_FORMAT.slice(1), unusedBits: BAD_DATA_FORMAT[0]! }),
    }),
  });
  return Buffer.from(response.toSchema().toBER(false));
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= MAX_REQUEST_BYTES ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

/**
 * Starts a development-only RFC 3161 timestamp authority on 127.0.0.1 (`POST /tsr`, `application/timestamp-query`
 * in, `application/timestamp-reply` out), signing with a fresh in-memory PKI (root → TSA intermediate → TSA signer
 * with the critical timeStamping EKU), the same signing core as the dev Sigstore's TSA. A verifier trusts it only
 * when handed its `chainPem`: explicit configuration, never a fallback.
 */
export async function startDevTsa(options: DevTsaOptions = {}): Promise<DevTsa> {
  const clock = options.clock ?? systemClock;
  const pki = await createDevnetPki(clock());
  const chain = [pki.tsaSigner, pki.tsaIntermediate, pki.root];
  const issue = createTimestampIssuer(
    pki.tsaSigner,
    chain.map((c) => Buffer.from(c.certificate.rawData)),
    clock,
  );
  const send = (res: ServerResponse, status: number, body: Buffer, type = "application/timestamp-reply") =>
    res.writeHead(status, { "content-type": type, "content-length": body.length }).end(body);

  const server = createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? "/", "http://127.0.0.1").pathname !== DEV_TSA_PATH) {
        return send(res, 404, Buffer.from("not found"), "text/plain");
      }
      if (req.method !== "POST") return send(res, 405, Buffer.from("expected POST"), "text/plain");
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      const body = await readBody(req);
      const request = body === undefined ? undefined : parseTimestampRequest(body);
      if (type !== "application/timestamp-query" || request === undefined) return send(res, 400, rejection());
      return send(res, 200, await issue(request));
    })().catch(() => {
      if (!res.headersSent) send(res, 500, Buffer.from("internal error"), "text/plain");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${DEV_TSA_PATH}`,
    chainPem: chain.map((c) => `${c.certificate.toString("pem")}\n`).join(""),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
