/** Reads the configuration layers from the runtime (flags, env, config file, deployment file) and resolves them. */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

import {
  CONFIG_ENV,
  CONFIG_FILE_NAME,
  type CliConfig,
  type RawSettings,
  parseConfigFile,
  parseDeployment,
  resolveConfig,
  settingsFromEnv,
} from "./config";
import type { CliRuntime, GlobalOptions } from "./context";
import { usageError } from "./errors";

function readText(file: string, code: string, hint: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw usageError(code, `cannot read ${file} (${reason})`, hint);
  }
}

function fileExists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Reads the layers for `opts` and resolves the config (exported for tests). */
export function loadConfig(runtime: CliRuntime, opts: GlobalOptions): CliConfig {
  const flags: RawSettings = {
    network: opts.network,
    rpcUrl: opts.rpcUrl,
    chainId: opts.chainId,
    market: opts.market,
    gatewayUrl: opts.gatewayUrl,
    keyFile: opts.keyFile,
    confirmations: opts.confirmations,
    deploymentsDir: opts.deploymentsDir,
    fromBlock: opts.fromBlock,
  };
  const explicit = opts.config ?? runtime.env[CONFIG_ENV];
  const configPath = path.resolve(runtime.cwd, explicit ?? CONFIG_FILE_NAME);
  let file: ReturnType<typeof parseConfigFile> | undefined;
  if (explicit !== undefined || fileExists(configPath)) {
    file = parseConfigFile(readText(configPath, "CONFIG_UNREADABLE", "check --config"), path.basename(configPath));
  }
  return resolveConfig({
    flags,
    env: settingsFromEnv(runtime.env),
    ...(file === undefined ? {} : { file }),
    readDeployment: (network, dir) => {
      const f = path.resolve(runtime.cwd, dir, `${network}.json`);
      if (!fileExists(f)) {
        throw usageError(
          "NETWORK_UNKNOWN",
          `no deployment ${path.join(dir, `${network}.json`)}`,
          "run `npm run deploy -- --network <name>` or pass --market",
        );
      }
      return parseDeployment(readText(f, "DEPLOYMENT_INVALID", "re-run the deploy"), `${network}.json`);
    },
  });
}
