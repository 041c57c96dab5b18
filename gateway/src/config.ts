import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Address, type Hex, getAddress, hexToBytes, isAddress, isHex } from "viem";
import { z } from "zod";

import { type MlDsaKeyPair, parseMlDsaSeed } from "../../client/src/protocol/hybrid";
import type { MasterSecret } from "./caps/secrets";

/** Thrown for a configuration the gateway must not start with. Messages name the setting, never its value. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, "a decimal string");
/** Where a secret comes from: an environment variable or a file (never the config file itself). */
const secretSource = z.union([
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** The gateway's configuration file (JSON). Integers are decimal strings, as everywhere in swarm. */
export const gatewayConfigSchema = z
  .object({
    listen: z.object({ host: z.string().min(1), port: decimal }).strict(),
    chain: z
      .object({
        rpcUrl: z.url(),
        chainId: decimal,
        market: z.string().refine((a) => isAddress(a), "an address"),
        deployBlock: decimal,
        confirmations: decimal,
      })
      .strict(),
    oidc: z.object({ issuer: z.url(), jwksUrl: z.url(), leewaySeconds: decimal }).strict(),
    ledgerPath: z.string().min(1),
    policyFiles: z.array(z.string().min(1)).max(1000),
    keys: z
      .object({
        gateway: secretSource,
        receipt: secretSource,
        netCap: secretSource,
        /** Ed25519 PKCS#8 PEM that signs checkpoints; absent = the receipt key signs them. */
        checkpoint: secretSource.optional(),
        /** Optional ML-DSA-65 receipt key (a 32-byte seed as 0x hex): receipts then carry hybrid signatures. */
        receiptMlDsa: secretSource.optional(),
      })
      .strict(),
    secrets: z
      .array(z.object({ kv: decimal, startBlock: decimal, source: secretSource }).strict())
      .min(1)
      .max(64),
    /** Anchoring the ledger's Merkle root in EvidenceAnchor; absent or `enabled: false` = off. */
    anchor: z
      .object({
        enabled: z.boolean(),
        contract: z.string().refine((a) => isAddress(a), "an address"),
        deployBlock: decimal,
        intervalSeconds: decimal.refine((v) => Number(v) >= 1 && Number(v) <= 7 * 86400, "1 s to 7 days"),
        /** Another RPC endpoint for anchoring only; default `chain.rpcUrl`. */
        rpcUrl: z.url().optional(),
      })
      .strict()
      .optional(),
    http: z
      .object({
        bodyLimitBytes: decimal,
        maxHeaderBytes: decimal,
        requestTimeoutMs: decimal,
        handlerTimeoutMs: decimal,
        rateLimitPerSecond: decimal,
        rateLimitBurst: decimal,
        subjectRateLimitPerSecond: decimal,
        subjectRateLimitBurst: decimal,
      })
      .strict(),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The configuration with every secret loaded: what `main` wires the gateway from. */
export interface LoadedConfig {
  config: GatewayConfig;
  /** `ledgerPath`, resolved against the config file's folder. */
  ledgerPath: string;
  market: Address;
  chainId: number;
  gatewayPrivateKey: Hex;
  receiptKey: { privateKey: KeyObject; publicKey: KeyObject };
  /** The ML-DSA-65 receipt key when `keys.receiptMlDsa` is set (hybrid receipts); undefined otherwise. */
  receiptMlDsaKey: MlDsaKeyPair | undefined;
  /** The checkpoint signing key when `keys.checkpoint` is set. */
  checkpointKey: KeyObject | undefined;
  netCapKey: KeyObject;
  secrets: MasterSecret[];
  policies: Uint8Array[];
  /** Anchoring settings when `anchor.enabled`; undefined when anchoring is off. */
  anchor: LoadedAnchor | undefined;
}

/** Anchoring, loaded: the contract, its deploy block, the schedule and the RPC endpoint to send through. */
export interface LoadedAnchor {
  contract: Address;
  deployBlock: bigint;
  intervalMs: number;
  rpcUrl: string;
}

/**
 * Reads and validates the configuration once, at start: the JSON file named by SWARM_GATEWAY_CONFIG, with
 * secrets (the gateway's Ethereum key as 0x hex, the Ed25519 receipt and netCap keys as PKCS#8 PEM, master
 * secrets as 0x hex of at least 32 bytes) from the environment variables or files it names. Relative paths
 * are resolved against the config file's folder.
 */
export function loadConfig(env: Record<string, string | undefined>): LoadedConfig {
  const file = env.SWARM_GATEWAY_CONFIG;
  if (!file) throw new ConfigError("CONFIG_MISSING", "set SWARM_GATEWAY_CONFIG to the gateway's JSON config file");
  const base = path.dirname(path.resolve(file));
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new ConfigError("CONFIG_UNREADABLE", `cannot read ${file} as JSON: ${(cause as Error).message}`);
  }
  const parsed = gatewayConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError("CONFIG_INVALID", `${file}: ${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const read = (source: z.infer<typeof secretSource>, what: string) => readSecret(source, what, env, base);

  const gatewayPrivateKey = read(config.keys.gateway, "keys.gateway").trim();
  if (!isHex(gatewayPrivateKey) || gatewayPrivateKey.length !== 66) {
    throw new ConfigError("KEY_INVALID", "keys.gateway must be a 32-byte private key as 0x hex");
  }
  const receiptPrivate = ed25519(read(config.keys.receipt, "keys.receipt"), "keys.receipt");
  return {
    config,
    ledgerPath: path.resolve(base, config.ledgerPath),
    market: getAddress(config.chain.market),
    chainId: Number(config.chain.chainId),
    gatewayPrivateKey: gatewayPrivateKey as Hex,
    receiptKey: { privateKey: receiptPrivate, publicKey: createPublicKey(receiptPrivate) },
    receiptMlDsaKey:
      config.keys.receiptMlDsa === undefined
        ? undefined
        : mlDsaSeed(read(config.keys.receiptMlDsa, "keys.receiptMlDsa"), "keys.receiptMlDsa"),
    netCapKey: ed25519(read(config.keys.netCap, "keys.netCap"), "keys.netCap"),
    checkpointKey:
      config.keys.checkpoint === undefined
        ? undefined
        : ed25519(read(config.keys.checkpoint, "keys.checkpoint"), "keys.checkpoint"),
    secrets: config.secrets.map((s, i) => {
      const hex = read(s.source, `secrets[${i}]`).trim();
      if (!isHex(hex) || hex.length < 66)
        throw new ConfigError("SECRET_INVALID", `secrets[${i}] must be ≥ 32 bytes of 0x hex`);
      return { kv: Number(s.kv), startBlock: BigInt(s.startBlock), secret: hexToBytes(hex) };
    }),
    policies: config.policyFiles.map((p) => new Uint8Array(readFileSync(path.resolve(base, p)))),
    anchor:
      config.anchor?.enabled === true
        ? {
            contract: getAddress(config.anchor.contract),
            deployBlock: BigInt(config.anchor.deployBlock),
            intervalMs: Number(config.anchor.intervalSeconds) * 1000,
            rpcUrl: config.anchor.rpcUrl ?? config.chain.rpcUrl,
          }
        : undefined,
  };
}

function readSecret(
  source: { env: string } | { file: string },
  what: string,
  env: Record<string, string | undefined>,
  base: string,
): string {
  if ("env" in source) {
    const value = env[source.env];
    if (!value) throw new ConfigError("SECRET_MISSING", `${what}: environment variable ${source.env} is not set`);
    return value;
  }
  try {
    return readFileSync(path.resolve(base, source.file), "utf8");
  } catch {
    throw new ConfigError("SECRET_MISSING", `${what}: cannot read ${source.file}`);
  }
}

function mlDsaSeed(text: string, what: string): MlDsaKeyPair {
  try {
    return parseMlDsaSeed(text);
  } catch {
    throw new ConfigError("KEY_INVALID", `${what} must be an ML-DSA-65 seed: 32 bytes as 0x hex`);
  }
}

function ed25519(pem: string, what: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === "ed25519") return key;
  } catch {
    // fall through: the message below names the setting, never the key material
  }
  throw new ConfigError("KEY_INVALID", `${what} must be an Ed25519 private key in PKCS#8 PEM`);
}
