/**
 * Resolution of the CLI's settings, once, at the edge: flags > environment (`SWARM_*`) > project config file
 * (`swarm.config.json` in the cwd, or `--config FILE`; its `networks.<name>` section beats its top level) >
 * `deployments/<network>.json` written by `npm run deploy`. Every value is validated with zod; a config file
 * holding a private key is refused (keys come only from SWARM_PRIVATE_KEY or a key file).
 */
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

import { usageError } from "./errors";

/** The file `swarm` reads from the cwd when no --config is given. */
export const CONFIG_FILE_NAME = "swarm.config.json";

const address = z.string().refine((s) => isAddress(s, { strict: false }), "expected a 20-byte 0x address");
const httpUrl = z.string().refine((s) => /^https?:\/\/[^\s]+$/.test(s) && URL.canParse(s), "expected an http(s) URL");
const positiveInt = z.coerce.number().int().positive();
const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "expected letters, digits, - or _");

/** Settings that may come from a flag, the environment or the config file. */
const settingsShape = {
  network: name.optional(),
  rpcUrl: httpUrl.optional(),
  chainId: positiveInt.optional(),
  market: address.optional(),
  gatewayUrl: httpUrl.optional(),
  deploymentsDir: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  confirmations: positiveInt.optional(),
  fromBlock: z.coerce.bigint().nonnegative().optional(),
};
const settingsSchema = z.object(settingsShape).strict();

/** The config file: the settings, plus per-network sections selected by `network`. */
const configFileSchema = z
  .object({
    ...settingsShape,
    networks: z.record(name, z.object(settingsShape).omit({ network: true }).strict()).optional(),
  })
  .strict();

/** `deployments/<network>.json`, as far as the CLI reads it. */
const deploymentSchema = z.object({
  network: z.string(),
  chainId: positiveInt,
  contracts: z.object({ SwarmMarket: z.object({ address, deployBlock: z.coerce.bigint().nonnegative() }) }),
});

/** A setting's raw value as given by one source (strings from flags and env, JSON values from the file). */
export type RawSettings = Partial<Record<keyof typeof settingsShape, unknown>>;

/** The resolved settings every command reads. */
export interface CliConfig {
  readonly network?: string;
  readonly rpcUrl?: string;
  readonly chainId?: number;
  readonly market?: Address;
  readonly gatewayUrl?: string;
  readonly deploymentsDir: string;
  readonly keyFile?: string;
  readonly confirmations: number;
  /** First block to scan for market events (the deployment block when known). */
  readonly fromBlock: bigint;
}

/** Environment variable of each setting. */
export const SETTING_ENV: Readonly<Record<keyof typeof settingsShape, string>> = {
  network: "SWARM_NETWORK",
  rpcUrl: "SWARM_RPC_URL",
  chainId: "SWARM_CHAIN_ID",
  market: "SWARM_MARKET",
  gatewayUrl: "SWARM_GATEWAY_URL",
  deploymentsDir: "SWARM_DEPLOYMENTS_DIR",
  keyFile: "SWARM_KEY_FILE",
  confirmations: "SWARM_CONFIRMATIONS",
  fromBlock: "SWARM_FROM_BLOCK",
};

/** The environment variable that may hold the private key (the only place other than a key file). */
export const PRIVATE_KEY_ENV = "SWARM_PRIVATE_KEY";
/** The environment variable naming the config file (same as --config). */
export const CONFIG_ENV = "SWARM_CONFIG";

const SECRET_KEYS = /key$|secret|mnemonic|password/i;

function parseWith<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  throw usageError("CONFIG_INVALID", `${source}: ${where}${issue.message}`, "see docs/CLI.md, section Configuration");
}

function dropUndefined(raw: RawSettings): RawSettings {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== "")) as RawSettings;
}

/** The settings given by the environment. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): RawSettings {
  const raw: RawSettings = {};
  for (const [key, envName] of Object.entries(SETTING_ENV) as [keyof typeof settingsShape, string][]) {
    raw[key] = env[envName];
  }
  return dropUndefined(raw);
}

/** Parses the config file's text; refuses secrets and unknown fields. `source` names it in errors. */
export function parseConfigFile(text: string, source: string): z.infer<typeof configFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw usageError("CONFIG_INVALID", `${source}: expected JSON`, "see docs/CLI.md, section Configuration");
  }
  const secret = findSecretField(json);
  if (secret !== undefined) {
    throw usageError(
      "SECRET_IN_CONFIG",
      `${source}: field ${secret} looks like a secret; the config file is for settings only`,
      `put the key in a file (--key-file, mode 600) or in ${PRIVATE_KEY_ENV}`,
    );
  }
  return parseWith(configFileSchema, json, source);
}

function findSecretField(json: unknown, path = ""): string | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  for (const [k, v] of Object.entries(json)) {
    if (SECRET_KEYS.test(k) && k !== "keyFile") return `${path}${k}`;
    const inner = findSecretField(v, `${path}${k}.`);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Parses `deployments/<network>.json`. */
export function parseDeployment(text: string, source: string): { chainId: number; market: Address; fromBlock: bigint } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw usageError("DEPLOYMENT_INVALID", `${source}: expected JSON`, "re-run `npm run deploy -- --network <name>`");
  }
  const d = parseWith(deploymentSchema, json, source);
  const m = d.contracts.SwarmMarket;
  return { chainId: d.chainId, market: getAddress(m.address), fromBlock: m.deployBlock };
}

/** Where each layer comes from; `deployment` is read only when a network is named. */
export interface ConfigLayers {
  readonly flags: RawSettings;
  readonly env: RawSettings;
  readonly file?: z.infer<typeof configFileSchema>;
  readonly readDeployment?: (
    network: string,
    dir: string,
  ) => { chainId: number; market: Address; fromBlock: bigint } | undefined;
}

/** Merges the layers (flags > env > file's network section > file > deployment) and validates the result. */
export function resolveConfig(layers: ConfigLayers): CliConfig {
  const flags = parseWith(settingsSchema, dropUndefined(layers.flags), "flags");
  const env = parseWith(settingsSchema, dropUndefined(layers.env), "environment");
  const { networks, ...fileTop } = layers.file ?? {};
  const network = flags.network ?? env.network ?? fileTop.network;
  const section = network === undefined ? {} : (networks?.[network] ?? {});
  const merged = { ...fileTop, ...section, ...env, ...flags, ...(network === undefined ? {} : { network }) };
  const deploymentsDir = merged.deploymentsDir ?? "deployments";
  const deployment = network === undefined ? undefined : layers.readDeployment?.(network, deploymentsDir);
  if (deployment !== undefined && merged.chainId !== undefined && merged.chainId !== deployment.chainId) {
    throw usageError(
      "CONFIG_CONFLICT",
      `chain id ${merged.chainId} is not network ${network}'s (${deployment.chainId})`,
      "drop --chain-id or pick the matching --network",
    );
  }
  const chainId = merged.chainId ?? deployment?.chainId;
  const market = merged.market ?? deployment?.market;
  return {
    ...(merged.network === undefined ? {} : { network: merged.network }),
    ...(merged.rpcUrl === undefined ? {} : { rpcUrl: merged.rpcUrl }),
    ...(chainId === undefined ? {} : { chainId }),
    ...(market === undefined ? {} : { market: getAddress(market) }),
    ...(merged.gatewayUrl === undefined ? {} : { gatewayUrl: merged.gatewayUrl.replace(/\/+$/, "") }),
    ...(merged.keyFile === undefined ? {} : { keyFile: merged.keyFile }),
    deploymentsDir,
    confirmations: merged.confirmations ?? 1,
    fromBlock: merged.fromBlock ?? (market === deployment?.market ? (deployment?.fromBlock ?? 0n) : 0n),
  };
}
