import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import type { GatewayConfig } from "../gateway/src/config";
import { DEV_MNEMONIC, DEV_ROLES, type DevStack } from "./stack";
import { mnemonicToAccount } from "viem/accounts";
import { bytesToHex } from "viem";

/**
 * Writes a gateway config for the development stack into `dir`, with fresh Ed25519 keys and a fresh master
 * secret in files beside it, and returns the config's path. The gateway key is the stack's gateway account.
 * With `anchorIntervalSeconds`, the gateway anchors its ledger root in the stack's EvidenceAnchor that often.
 */
export async function writeDevGatewayConfig(
  stack: DevStack,
  dir: string,
  options: { port?: number; rpcUrl?: string; rateLimitPerSecond?: number; anchorIntervalSeconds?: number } = {},
): Promise<string> {
  const pem = (key: ReturnType<typeof generateKeyPairSync>["privateKey"]) =>
    key.export({ format: "pem", type: "pkcs8" }).toString();
  const gatewayKey = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: DEV_ROLES.gateway }).getHdKey().privateKey!;
  await writeFile(path.join(dir, "gateway.key"), bytesToHex(gatewayKey), { mode: 0o600 });
  await writeFile(path.join(dir, "receipt.pem"), pem(generateKeyPairSync("ed25519").privateKey), { mode: 0o600 });
  await writeFile(path.join(dir, "netcap.pem"), pem(generateKeyPairSync("ed25519").privateKey), { mode: 0o600 });
  await writeFile(path.join(dir, "secret-1.hex"), bytesToHex(randomBytes(32)), { mode: 0o600 });
  await writeFile(path.join(dir, "policy.json"), stack.policy.bytes);
  const rate = String(options.rateLimitPerSecond ?? 1000);
  const config: GatewayConfig = {
    listen: { host: "127.0.0.1", port: String(options.port ?? 0) },
    chain: {
      rpcUrl: options.rpcUrl ?? stack.node.url,
      chainId: String(stack.chain.id),
      market: stack.market.toLowerCase() as `0x${string}`,
      deployBlock: stack.deployBlock.toString(),
      confirmations: "1",
    },
    oidc: { issuer: stack.issuer.issuer, jwksUrl: stack.issuer.jwksUri, leewaySeconds: "60" },
    ledgerPath: "receipts.ndjson",
    policyFiles: ["policy.json"],
    keys: { gateway: { file: "gateway.key" }, receipt: { file: "receipt.pem" }, netCap: { file: "netcap.pem" } },
    secrets: [{ kv: "1", startBlock: "0", source: { file: "secret-1.hex" } }],
    // Anchoring only when asked: its transactions share the gateway account with consumptions.
    ...(options.anchorIntervalSeconds === undefined
      ? {}
      : {
          anchor: {
            enabled: true,
            contract: stack.anchor.toLowerCase() as `0x${string}`,
            deployBlock: stack.anchorDeployBlock.toString(),
            intervalSeconds: String(options.anchorIntervalSeconds),
          },
        }),
    http: {
      bodyLimitBytes: "65536",
      maxHeaderBytes: "16384",
      requestTimeoutMs: "30000",
      handlerTimeoutMs: "30000",
      rateLimitPerSecond: rate,
      rateLimitBurst: rate,
      subjectRateLimitPerSecond: rate,
      subjectRateLimitBurst: rate,
    },
  };
  const file = path.join(dir, "gateway.json");
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
