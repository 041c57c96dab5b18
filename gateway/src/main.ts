/**
 * The gateway process: `npm run gateway` (SWARM_GATEWAY_CONFIG names the config file; see docs/OPERATIONS.md).
 * Reads and validates its configuration once, wires the services, serves HTTP, and shuts down cleanly on
 * SIGINT/SIGTERM (in-flight requests finish, batches in flight are awaited, the ledger is closed).
 */
import { createPublicClient, defineChain, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createNonceManager, jsonRpc } from "viem/nonce";
import pino from "pino";

import { systemClock } from "../../client/src/protocol/clock";
import { ConfigError, loadConfig } from "./config";
import { createGatewayApp } from "./http/app";
import { startGatewayServer } from "./http/server";
import { wireGateway } from "./service/wire";

async function main() {
  const logger = pino({ name: "swarm-gateway" });
  const loaded = loadConfig(process.env);
  const { config } = loaded;
  const chain = defineChain({
    id: loaded.chainId,
    name: `chain-${loaded.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.chain.rpcUrl] } },
  });
  // JSON-RPC batching: reads issued together (every request's entitlement read, a batch's receipt and block) go
  // in one HTTP request, which costs both the gateway and the node far less CPU than one request per call.
  const publicClient = createPublicClient({
    chain,
    transport: http(config.chain.rpcUrl, { batch: true }),
  }) as PublicClient;
  const wired = await wireGateway({
    clock: systemClock,
    chain,
    rpcUrl: config.chain.rpcUrl,
    publicClient,
    market: loaded.market,
    deployBlock: BigInt(config.chain.deployBlock),
    confirmations: Number(config.chain.confirmations),
    account: privateKeyToAccount(loaded.gatewayPrivateKey, { nonceManager: createNonceManager({ source: jsonRpc() }) }),
    oidc: {
      issuer: config.oidc.issuer,
      jwksUrl: config.oidc.jwksUrl,
      leewaySeconds: Number(config.oidc.leewaySeconds),
    },
    fetch,
    ledgerPath: loaded.ledgerPath,
    receiptKey: loaded.receiptKey,
    ...(loaded.receiptMlDsaKey === undefined ? {} : { receiptMlDsaKey: loaded.receiptMlDsaKey }),
    ...(loaded.checkpointKey === undefined ? {} : { checkpointKey: loaded.checkpointKey }),
    netCapKey: loaded.netCapKey,
    secrets: loaded.secrets,
    policies: loaded.policies,
    subjectRateLimit: {
      ratePerSecond: Number(config.http.subjectRateLimitPerSecond),
      burst: Number(config.http.subjectRateLimitBurst),
    },
    ...(loaded.anchor === undefined
      ? {}
      : {
          anchor: {
            settings: loaded.anchor,
            rpcUrl: loaded.anchor.rpcUrl,
            log: (e) => (e.event === "failed" ? logger.warn(e, "anchoring failed") : logger.info(e, "anchored")),
          },
        }),
  });
  const opened = wired.ledger.opened;
  logger.info({ ledgerSize: opened.size, repaired: opened.repair !== undefined }, "ledger verified");
  const { app } = createGatewayApp(wired.services, {
    logger,
    clock: systemClock,
    bodyLimitBytes: Number(config.http.bodyLimitBytes),
    handlerTimeoutMs: Number(config.http.handlerTimeoutMs),
    rateLimit: { ratePerSecond: Number(config.http.rateLimitPerSecond), burst: Number(config.http.rateLimitBurst) },
  });
  const server = await startGatewayServer(app, {
    host: config.listen.host,
    port: Number(config.listen.port),
    maxHeaderBytes: Number(config.http.maxHeaderBytes),
    requestTimeoutMs: Number(config.http.requestTimeoutMs),
  });
  logger.info(
    { url: server.url, gateway: wired.context.gateway, audience: wired.context.audience },
    "gateway listening",
  );

  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await server.close();
    await wired.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`gateway: ${err.code}: ${err.message}`);
  } else {
    console.error("gateway: failed to start:", err instanceof Error ? err.message : err);
  }
  process.exit(1);
});
