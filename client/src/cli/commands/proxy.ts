import { readFileSync } from "node:fs";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

import type { Command } from "commander";

import { isProtocolError } from "../../protocol/errors";
import type { Ed25519PublicJwk } from "../../protocol/keys";
import { netCapIssuer } from "../../protocol/netcap";
import {
  type ProxyLogger,
  type ResolveHost,
  netCapKeyFromFile,
  netCapKeysFromDescription,
  startEgressProxy,
} from "../../proxy";
import { collect, parseAddress, parseCount } from "../args";
import { type CliContext, contextOf } from "../context";
import { CliError, usageError } from "../errors";
import { ExitCode } from "../exitCodes";

interface ProxyOptions {
  gatewayAddress?: string;
  netcapKeyFile?: string;
  listen: string;
  port: string;
  resolve?: string[];
  allowPrivateAddresses?: boolean;
  leeway: string;
  maxHeaderBytes: string;
}

const HELP = `
The step command sends its requests through this proxy, with the step's netCap ($SWARM_NETCAP) as credentials:
  HTTP_PROXY=http://netcap:$SWARM_NETCAP@127.0.0.1:8899  HTTPS_PROXY=(same)
or the header "Proxy-Authorization: Bearer $SWARM_NETCAP". Plain HTTP is checked per request (method, host,
port, path); HTTPS goes through CONNECT, allowed only to a host:port a route opens for every method and path.

The gateway's netCap key comes from --gateway-url (its /.well-known/swarm-gateway.json, trusted only if its
GatewayKeys statement is signed by --gateway-address) or from --netcap-key-file (Ed25519 public JWK or PEM).

Examples:
  $ swarm --network baseSepolia --gateway-url https://gw.example proxy --gateway-address 0x… --port 8899
  $ swarm --chain-id 31337 --market 0x… proxy --gateway-address 0x… --netcap-key-file netcap.jwk --json`;

/** The resolver: --resolve pins (HOST=IP) first, then the system resolver; read once, at the edge. */
function resolverOf(pins: readonly string[]): ResolveHost {
  const map = new Map<string, string>();
  for (const pin of pins) {
    const [host, address, ...rest] = pin.split("=");
    if (host === undefined || address === undefined || rest.length > 0 || isIP(address) === 0) {
      throw usageError("ARGUMENT_INVALID", `expected --resolve HOST=IP, got ${JSON.stringify(pin)}`);
    }
    map.set(host.toLowerCase(), address);
  }
  return async (host) => map.get(host) ?? (await lookup(host, { verbatim: true })).address;
}

/** The gateway's netCap keys: from a key file, or from its verified well-known description. */
async function netCapKeys(ctx: CliContext, opts: ProxyOptions, gateway: `0x${string}`): Promise<Ed25519PublicJwk[]> {
  const keyFile = opts.netcapKeyFile ?? ctx.envValue("SWARM_NETCAP_KEY_FILE");
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(ctx.resolvePath(keyFile), "utf8");
    } catch {
      throw usageError("FILE_UNREADABLE", `cannot read the netCap key file ${keyFile}`);
    }
    return [netCapKeyFromFile(text)];
  }
  if (ctx.config.gatewayUrl === undefined) {
    throw usageError(
      "CONFIG_MISSING",
      "no source for the gateway's netCap key",
      "pass --gateway-url (reads its well-known keys) or --netcap-key-file FILE",
    );
  }
  ctx.out.progress(`reading the netCap key from ${ctx.config.gatewayUrl}/.well-known/swarm-gateway.json`);
  const description = await ctx.gateway().describe();
  try {
    return await netCapKeysFromDescription(description, {
      gateway,
      chainId: chainIdOf(ctx),
      market: ctx.marketAddress(),
    });
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    const hint = "check --gateway-address, --gateway-url, --chain-id and --market name the same gateway and market";
    throw new CliError(err.code, err.message, ExitCode.USAGE, hint);
  }
}

function chainIdOf(ctx: CliContext): bigint {
  if (ctx.config.chainId === undefined) {
    throw usageError("CONFIG_MISSING", "no chain id", "pass --chain-id or --network, or set SWARM_CHAIN_ID");
  }
  return BigInt(ctx.config.chainId);
}

/** A logger writing one JSON line per decision on stderr (never a token: the proxy never hands one over). */
function stderrLogger(ctx: CliContext): ProxyLogger {
  const write = (level: string) => (fields: Record<string, unknown>, message: string) =>
    ctx.runtime.streams.stderr(`${JSON.stringify({ level, time: ctx.clock().toISOString(), ...fields, message })}\n`);
  return { info: write("info"), warn: write("warn") };
}

/** Resolves when the process is asked to stop (the CLI's edge: the only place the proxy reads signals). */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Registers `swarm proxy`: the step's egress proxy. */
export function registerProxyCommands(program: Command): void {
  program
    .command("proxy")
    .description("run the step's egress proxy: forward only what the step's netCap routes allow")
    .option("--gateway-address <address>", "the gateway whose netCaps are accepted (or SWARM_GATEWAY_ADDRESS)")
    .option(
      "--netcap-key-file <file>",
      "the gateway's netCap public key, Ed25519 JWK or PEM (or SWARM_NETCAP_KEY_FILE)",
    )
    .option("--listen <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "0")
    .option("--resolve <host=ip>", "pin a host name to an address, repeatable", collect)
    .option("--allow-private-addresses", "also dial loopback, private and link-local addresses")
    .option("--leeway <seconds>", "clock skew tolerated on the netCap's iat and exp (0–60)", "0")
    .option("--max-header-bytes <n>", "largest request head accepted", "16384")
    .addHelpText("after", HELP)
    .action(async (opts: ProxyOptions, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const gatewayText = opts.gatewayAddress ?? ctx.envValue("SWARM_GATEWAY_ADDRESS");
      if (gatewayText === undefined) {
        throw usageError("CONFIG_MISSING", "no gateway address", "pass --gateway-address or set SWARM_GATEWAY_ADDRESS");
      }
      const gateway = parseAddress(gatewayText, "--gateway-address");
      const chainId = chainIdOf(ctx);
      const market = ctx.marketAddress();
      const keys = await netCapKeys(ctx, opts, gateway);
      const proxy = await startEgressProxy({
        keys,
        issuer: netCapIssuer(chainId, gateway),
        market,
        chainId,
        clock: ctx.clock,
        leewaySeconds: parseCount(opts.leeway, "--leeway", { max: 60 }),
        resolveHost: resolverOf(opts.resolve ?? []),
        allowPrivateAddresses: opts.allowPrivateAddresses === true,
        logger: stderrLogger(ctx),
        listenHost: opts.listen,
        listenPort: parseCount(opts.port, "--port", { max: 65_535 }),
        maxHeaderBytes: parseCount(opts.maxHeaderBytes, "--max-header-bytes", { min: 1024, max: 1_048_576 }),
      });
      ctx.out.result(
        { url: proxy.url, port: proxy.port, issuer: netCapIssuer(chainId, gateway), market, chainId },
        { proxy: proxy.url, issuer: netCapIssuer(chainId, gateway), market },
      );
      const signal = await untilStopped();
      ctx.out.progress(`${signal}: stopping the proxy`);
      await proxy.close();
    });
}
