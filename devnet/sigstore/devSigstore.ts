import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { TrustedRootJson } from "../../client/src/attest/trustedRoot";
import { type Clock, systemClock } from "../../client/src/protocol/clock";
import { originOf } from "./checkpoint";
import { createDevnetPki } from "./certificateAuthority";
import { createSigningCertificate } from "./fulcio";
import { createIdentityTokenVerifier, type TrustedIssuer } from "./identityToken";
import { generateEcKeyPair, logIdOf } from "./keys";
import { createTransparencyLog } from "./rekor";
import { type Reply, type Route, createRouter } from "./routes";
import { createTimestampAuthority } from "./timestampAuthority";
import { buildTrustedRoot } from "./trustedRoot";

/** Path prefixes of the three services on the one server. */
export const FULCIO_PREFIX = "/fulcio";
export const REKOR_PREFIX = "/rekor";
export const TSA_PREFIX = "/tsa";
/** The TSA's endpoint path (Sigstore's signing config names the full URL). */
export const TSA_TIMESTAMP_PATH = "/api/v1/timestamp";

/** How the development Sigstore starts. */
export interface DevSigstoreOptions {
  /** The only OIDC issuer Fulcio trusts (the devnet issuer): `iss` exact, RS256 against its JWKS. */
  oidc: TrustedIssuer;
  /** Time for certificates, log entries and timestamps. Default: the machine's clock. */
  clock?: Clock;
  /** TCP port on 127.0.0.1. Default 0 (any free port). */
  port?: number;
}

/** A running development Sigstore: Fulcio, Rekor and a TSA on 127.0.0.1, and the trusted root describing them. */
export interface DevSigstore {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Fulcio base URL (the client appends `/api/v2/signingCert`). */
  readonly fulcioUrl: string;
  /** Rekor base URL (the client appends `/api/v1/log/entries`); also the trusted root's tlog `baseUrl`. */
  readonly rekorUrl: string;
  /** The TSA's full timestamp endpoint URL. */
  readonly tsaUrl: string;
  /** The trusted root for exactly these services (JSON form). */
  readonly trustedRoot: TrustedRootJson;
  /** How many entries the log holds. */
  readonly logSize: number;
  stop(): Promise<void>;
}

/**
 * Starts a development-only Sigstore on 127.0.0.1 speaking the APIs `@sigstore/sign` uses, so the standard
 * signing client works unchanged: Fulcio `POST /fulcio/api/v2/signingCert`, Rekor `POST /rekor/api/v1/log/entries`
 * (and `GET .../entries/<uuid>`, `GET /rekor/api/v1/log`), TSA `POST /tsa/api/v1/timestamp` (and
 * `GET /tsa/api/v1/timestamp/certchain`). Its keys are generated per start and live only in memory. Explicit
 * configuration only: nothing outside devnet/, scripts/ and test/ imports it, and a verifier trusts it only
 * when handed its `trustedRoot`.
 */
export async function startDevSigstore(options: DevSigstoreOptions): Promise<DevSigstore> {
  const clock = options.clock ?? systemClock;
  const [pki, logKeys] = await Promise.all([createDevnetPki(clock()), generateEcKeyPair("P-256")]);
  const logId = logIdOf(logKeys.spki);
  const routes: Route[] = [];
  const server = createServer(createRouter(routes));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fulcioUrl = `${url}${FULCIO_PREFIX}`;
  const rekorUrl = `${url}${REKOR_PREFIX}`;
  const tsaUrl = `${url}${TSA_PREFIX}${TSA_TIMESTAMP_PATH}`;
  const pem = (c: { toString(format: "pem"): string }) => `${c.toString("pem")}\n`;
  const fulcioChain = [pem(pki.fulcioIntermediate.certificate), pem(pki.root.certificate)];
  const tsaChain = [pki.tsaSigner, pki.tsaIntermediate, pki.root].map((c) => Buffer.from(c.certificate.rawData));

  const ca = {
    verifyToken: createIdentityTokenVerifier(options.oidc, clock),
    intermediate: pki.fulcioIntermediate,
    chainPem: fulcioChain,
    clock,
  };
  const entryPath = `${REKOR_PREFIX}/api/v1/log/entries`;
  const log = createTransparencyLog({ keys: logKeys, logId, origin: originOf(rekorUrl), clock, entryPath });
  const timestamp = createTimestampAuthority(pki.tsaSigner, tsaChain, clock);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
    status,
    json: body,
    headers,
  });
  routes.push(
    {
      method: "POST",
      path: `${FULCIO_PREFIX}/api/v2/signingCert`,
      handle: async (body) => json(201, await createSigningCertificate(ca, body)),
    },
    {
      method: "GET",
      path: `${FULCIO_PREFIX}/api/v2/trustBundle`,
      handle: async () => json(200, { chains: [{ certificates: fulcioChain }] }),
    },
    {
      method: "POST",
      path: entryPath,
      limit: 1024 * 1024,
      handle: async (body) => {
        const { uuid, entry } = log.append(body);
        return json(201, { [uuid]: entry }, { location: `${entryPath}/${uuid}` });
      },
    },
    {
      method: "GET",
      path: `${entryPath}/`,
      prefix: true,
      handle: async (_, uuid) => json(200, { [uuid]: log.get(uuid) }),
    },
    { method: "GET", path: `${REKOR_PREFIX}/api/v1/log`, handle: async () => json(200, log.head()) },
    {
      method: "POST",
      path: `${TSA_PREFIX}${TSA_TIMESTAMP_PATH}`,
      limit: 16 * 1024,
      handle: async (body) => ({
        status: 201,
        contentType: "application/timestamp-reply",
        data: await timestamp(body),
      }),
    },
    {
      method: "GET",
      path: `${TSA_PREFIX}${TSA_TIMESTAMP_PATH}/certchain`,
      handle: async () => ({
        status: 200,
        contentType: "application/pem-certificate-chain",
        data: Buffer.from([pki.tsaSigner, pki.tsaIntermediate, pki.root].map((c) => pem(c.certificate)).join("")),
      }),
    },
  );

  return {
    url,
    fulcioUrl,
    rekorUrl,
    tsaUrl,
    trustedRoot: buildTrustedRoot({ pki, log: { keys: logKeys, logId }, fulcioUrl, rekorUrl, tsaUrl }),
    get logSize() {
      return log.size;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
