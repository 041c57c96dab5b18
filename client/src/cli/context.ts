/**
 * The context every command gets: resolved config (config.ts), output (output.ts), clients built lazily from the
 * config, the private key (only from SWARM_PRIVATE_KEY or a key file), and the injected runtime (env, cwd, fetch,
 * clock, streams), so commands never reach for `process` themselves.
 *
 * How a command group uses it:
 *
 *   import type { Command } from "commander";
 *   import { contextOf } from "../context";
 *
 *   export function registerOfferCommands(program: Command): void {
 *     const offer = program.command("offer").description("publish, retire, list and read offers");
 *     offer
 *       .command("show")
 *       .argument("<offerId>", "the offer's id")
 *       .description("show one offer")
 *       .action(async (offerId: string, _opts: unknown, cmd: Command) => {
 *         const ctx = await contextOf(cmd);
 *         const o = await getOffer(ctx.marketReader(), parseUint(offerId, "offerId"));
 *         ctx.out.result(o, { seller: o.seller, policyHash: o.policyHash });
 *       });
 *   }
 *
 * `ctx.marketWriter()` reads the key; `ctx.gateway()` needs --gateway-url; `ctx.envValue("SWARM_X")` reads
 * another SWARM_* variable for a group's own setting; failures are thrown as `CliError`s (errors.ts).
 */
import path from "node:path";

import type { Command } from "commander";
import {
  type Address,
  type Chain,
  type LocalAccount,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from "viem";

import type { MarketReader, MarketWriter } from "../chain/clients";
import { type TransactionSender, senderFromViemWalletClient } from "../chain/sender";
import { type GatewayClient, createGatewayClient } from "../gateway/client";
import type { Clock } from "../protocol/clock";
import { type CliConfig, PRIVATE_KEY_ENV } from "./config";
import { usageError } from "./errors";
import { loadAccount } from "./keys";
import { loadConfig } from "./loadConfig";
import { type CliStreams, Output } from "./output";

/** Everything the CLI takes from the process, injected (tests pass their own). */
export interface CliRuntime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly streams: CliStreams;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  /** Waits `ms` (polling for a session or a permit). */
  readonly sleep: (ms: number) => Promise<void>;
}

/** The global options every command inherits (declared in program.ts). */
export interface GlobalOptions {
  json?: boolean;
  config?: string;
  network?: string;
  rpcUrl?: string;
  chainId?: string;
  market?: string;
  gatewayUrl?: string;
  keyFile?: string;
  confirmations?: string;
  deploymentsDir?: string;
  fromBlock?: string;
}

const runtimes = new WeakMap<Command, CliRuntime>();
const outputs = new WeakMap<Command, Output>();

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent !== null) c = c.parent;
  return c;
}

/** Binds the runtime to the program (program.ts does this once). */
export function attachRuntime(program: Command, runtime: CliRuntime): void {
  runtimes.set(rootOf(program), runtime);
}

/** The runtime bound to `cmd`'s program. */
export function runtimeOf(cmd: Command): CliRuntime {
  const r = runtimes.get(rootOf(cmd));
  if (r === undefined) throw new Error("the program has no runtime: build it with buildProgram()");
  return r;
}

/** The output of the running command (created by contextOf; main.ts prints errors through it). */
export function outputOf(cmd: Command): Output | undefined {
  return outputs.get(rootOf(cmd));
}

/** The context of one command run. */
export class CliContext {
  private publicClientCache: PublicClient | undefined;
  private accountCache: LocalAccount | undefined;

  constructor(
    readonly runtime: CliRuntime,
    readonly config: CliConfig,
    readonly out: Output,
    private readonly keyFileFlag: string | undefined,
  ) {}

  /** The injected clock. */
  get clock(): Clock {
    return this.runtime.clock;
  }

  /** A path resolved against the CLI's cwd. */
  resolvePath(p: string): string {
    return path.resolve(this.runtime.cwd, p);
  }

  /** Another SWARM_* variable, for a command group's own settings (read at the edge, once). */
  envValue(name: string): string | undefined {
    const v = this.runtime.env[name];
    return v === undefined || v === "" ? undefined : v;
  }

  /** The RPC URL, or a usage error naming how to set it. */
  rpcUrl(): string {
    if (this.config.rpcUrl === undefined) {
      throw usageError(
        "CONFIG_MISSING",
        "no RPC URL",
        "pass --rpc-url, set SWARM_RPC_URL or rpcUrl in swarm.config.json",
      );
    }
    return this.config.rpcUrl;
  }

  /** The market's address, or a usage error naming how to set it. */
  marketAddress(): Address {
    if (this.config.market === undefined) {
      throw usageError(
        "CONFIG_MISSING",
        "no market address",
        "pass --market or --network <name> (reads deployments/<name>.json), or set SWARM_MARKET",
      );
    }
    return this.config.market;
  }

  /** The chain: the configured id (checked against the node on every write by the SDK). */
  chain(): Chain | undefined {
    const id = this.config.chainId;
    if (id === undefined) return undefined;
    return defineChain({
      id,
      name: this.config.network ?? `chain ${id}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [this.rpcUrl()] } },
    });
  }

  /** A viem public client over the RPC URL. */
  publicClient(): PublicClient {
    if (this.publicClientCache === undefined) {
      const chain = this.chain();
      this.publicClientCache = createPublicClient({
        ...(chain === undefined ? {} : { chain }),
        transport: http(this.rpcUrl(), { fetchFn: this.runtime.fetch }),
      }) as PublicClient;
    }
    return this.publicClientCache;
  }

  /** What market reads take. */
  marketReader(): MarketReader {
    return { publicClient: this.publicClient(), market: this.marketAddress() };
  }

  /** The private key's account: `--key-file` > SWARM_PRIVATE_KEY > SWARM_KEY_FILE > the config's keyFile. */
  account(): LocalAccount {
    this.accountCache ??= this.loadAccount();
    return this.accountCache;
  }

  private loadAccount(): LocalAccount {
    return loadAccount({
      keyFileFlag: this.keyFileFlag,
      privateKeyEnv: this.envValue(PRIVATE_KEY_ENV),
      configKeyFile: this.config.keyFile,
      resolvePath: (p: string) => this.resolvePath(p),
      warn: (line: string) => this.out.warn(line),
    });
  }

  /** A viem wallet client for `account` (default: the configured key). */
  walletClient(account: LocalAccount = this.account()): WalletClient {
    const chain = this.chain();
    return createWalletClient({
      account,
      ...(chain === undefined ? {} : { chain }),
      transport: http(this.rpcUrl(), { fetchFn: this.runtime.fetch }),
    });
  }

  /**
   * What market writes take: the reader, the key's wallet and the configured confirmations. Every transaction
   * sent prints a progress line (its hash, the confirmations awaited) on stderr.
   */
  marketWriter(account: LocalAccount = this.account()): MarketWriter {
    const sender = senderFromViemWalletClient(this.walletClient(account));
    const n = this.config.confirmations;
    const wallet: TransactionSender = {
      address: sender.address,
      chainId: () => sender.chainId(),
      sendTransaction: async (tx) => {
        const hash = await sender.sendTransaction(tx);
        this.out.progress(`sent ${hash}, waiting for ${n} confirmation${n === 1 ? "" : "s"}`);
        return hash;
      },
    };
    return { ...this.marketReader(), wallet, confirmations: n };
  }

  /** The gateway's URL, or a usage error naming how to set it. */
  gatewayUrl(): string {
    if (this.config.gatewayUrl === undefined) {
      throw usageError("CONFIG_MISSING", "no gateway URL", "pass --gateway-url or set SWARM_GATEWAY_URL");
    }
    return this.config.gatewayUrl;
  }

  /** A typed client of the gateway. */
  gateway(): GatewayClient {
    return createGatewayClient(this.gatewayUrl(), this.runtime.fetch);
  }
}

/** The context of the command `cmd` (call first thing in every action). */
export async function contextOf(cmd: Command): Promise<CliContext> {
  const runtime = runtimeOf(cmd);
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const out = new Output(runtime.streams, opts.json === true);
  outputs.set(rootOf(cmd), out);
  const config = loadConfig(runtime, opts);
  return new CliContext(runtime, config, out, opts.keyFile);
}
