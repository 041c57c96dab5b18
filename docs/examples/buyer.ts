/**
 * A buyer's script, on the swarm SDK: buy steps of an offer, seed the genesis state, answer each runner session
 * of the seller's workflow with a permit bound to that run and that runner's key, accept each step once it is
 * claimed, and read its decrypted outputs.
 *
 *   SWARM_RPC_URL=https://… SWARM_MARKET=0x… SWARM_GATEWAY_URL=https://… SWARM_PRIVATE_KEY=0x… \
 *   SWARM_OFFER_ID=1 SWARM_STEPS=2 SWARM_CAPSULE=policy.json SWARM_EVIDENCE_DIR=evidence \
 *   npx ts-node --transpile-only docs/examples/buyer.ts
 *
 * The evidence folder is where the seller's workflow artifacts are downloaded (`gh run download`): the script
 * writes the genesis state there for the first run and reads each step's files from there.
 * `main` takes everything as arguments; only the block at the bottom reads the environment.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Hex, createPublicClient, createWalletClient, getAddress, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  type StepOutput,
  accept,
  bindPermit,
  listSessions,
  purchase,
  readStepOutput,
  seedGenesisState,
} from "../../client/src/buyer";
import type { MarketWriter } from "../../client/src/chain/clients";
import { readStep } from "../../client/src/chain/read";
import type { StepStatus } from "../../client/src/chain/types";
import { type GatewayClient, createGatewayClient } from "../../client/src/gateway/client";
import { type Clock, epochSeconds, systemClock } from "../../client/src/protocol/clock";
import { generateWorkerKeyPair } from "../../client/src/protocol/keys";
import { parsePolicyCapsule } from "../../client/src/protocol/policy";
import { EvidenceFile, stepEvidenceDir, writeGenesisState } from "../../client/src/runner";
import { type TypedDataSigner, fromViemAccount } from "../../client/src/signer";

/** What the script needs, passed in. */
export interface BuyerScriptOptions {
  readonly buyer: MarketWriter;
  readonly signer: TypedDataSigner;
  readonly gateway: GatewayClient;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly offerId: bigint;
  readonly steps: number;
  /** The offer's policy capsule (its JCS bytes): each runner is checked against it before a permit is signed. */
  readonly capsule: Uint8Array;
  readonly genesisState: Uint8Array;
  /** Where the seller's evidence lands (and the genesis state is written). */
  readonly evidenceDir: string;
  /** Give up waiting for a runner or a claim after this long (default 10 minutes). */
  readonly waitMs?: number;
  readonly log: (line: string) => void;
}

/** What the script did. */
export interface BuyerScriptResult {
  readonly entitlementId: bigint;
  readonly outputs: readonly StepOutput[];
}

/** How long a permit stays usable once signed. */
const PERMIT_LIFETIME_SECONDS = 600;
const POLL_MS = 250;

/** Polls `probe` until it returns a value, or fails after `waitMs`. */
async function waitFor<T>(o: BuyerScriptOptions, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const giveUp = o.clock().getTime() + (o.waitMs ?? 600_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (o.clock().getTime() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await o.sleep(POLL_MS);
  }
}

/** Runs the whole purchase: buy, seed, then for each step answer the runner, accept the claim, read the outputs. */
export async function main(o: BuyerScriptOptions): Promise<BuyerScriptResult> {
  const { capsule } = parsePolicyCapsule(o.capsule);
  const bought = await purchase(o.buyer, { offerId: o.offerId, steps: o.steps });
  const id = bought.entitlementId;
  o.log(`bought entitlement ${id}: ${o.steps} steps for ${bought.amount} wei (tx ${bought.txHash})`);

  const maxBytes = Number(capsule.limits.maxStateBytes);
  const genesis = await seedGenesisState(o.buyer, o.gateway, {
    entitlementId: id,
    signer: o.signer,
    recipient: generateWorkerKeyPair(),
    clock: o.clock,
    state: o.genesisState,
    maxBytes,
  });
  o.log(`genesis state sealed under stateKey(0): ${await writeGenesisState(o.evidenceDir, id, genesis.jwe)}`);

  const outputs: StepOutput[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const session = await waitFor(o, `a runner session for step ${step}`, async () =>
      (await listSessions(o.gateway, id)).find((s) => !s.hasPermit),
    );
    const bound = await bindPermit(o.buyer, o.gateway, {
      session,
      signer: o.signer,
      clock: o.clock,
      deadline: BigInt(epochSeconds(o.clock) + PERMIT_LIFETIME_SECONDS),
      fromStep: step - 1,
      expect: { capsule: o.capsule, repository: capsule.identity.repository },
    });
    o.log(`step ${step}: permit bound to run ${session.runId}, worker key ${session.workerKey} (${bound.digest})`);

    const claimed: readonly StepStatus[] = ["Claimed", "Settled"];
    const status = await waitFor(o, `step ${step} to be claimed`, async () => {
      const s = (await readStep(o.buyer, id, step)).status;
      return claimed.includes(s) ? s : undefined;
    });
    if (status === "Claimed") {
      const accepted = await accept(o.buyer, id, step);
      o.log(`step ${step}: claimed with verifier signatures; accepted (tx ${accepted.txHash})`);
    }
    const dir = stepEvidenceDir(o.evidenceDir, id, step);
    const read = (name: string): Promise<string> => readFile(path.join(dir, name), "utf8");
    const output = await readStepOutput(o.buyer, o.gateway, {
      entitlementId: id,
      step,
      signer: o.signer,
      recipient: generateWorkerKeyPair(),
      clock: o.clock,
      maxBytes,
      files: {
        state: await read(EvidenceFile.state),
        result: await read(EvidenceFile.result),
        nextTokens: await read(EvidenceFile.nextTokens),
      },
    });
    o.log(`step ${step}: result ${new TextDecoder().decode(output.result)}`);
    outputs.push(output);
  }
  return { entitlementId: id, outputs };
}

/** The one place the environment is read: builds the clients and runs `main`. */
async function fromEnvironment(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === "") throw new Error(`set ${name}`);
    return v;
  };
  const account = privateKeyToAccount(need("SWARM_PRIVATE_KEY") as Hex);
  const rpcUrl = need("SWARM_RPC_URL");
  const buyer: MarketWriter = {
    publicClient: createPublicClient({ transport: http(rpcUrl) }),
    market: getAddress(need("SWARM_MARKET")),
    wallet: createWalletClient({ account, transport: http(rpcUrl) }),
  };
  const result = await main({
    buyer,
    signer: fromViemAccount(account),
    gateway: createGatewayClient(need("SWARM_GATEWAY_URL"), fetch),
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    offerId: BigInt(need("SWARM_OFFER_ID")),
    steps: Number(need("SWARM_STEPS")),
    capsule: new Uint8Array(await readFile(need("SWARM_CAPSULE"))),
    genesisState: new TextEncoder().encode(JSON.stringify({ count: 0 })),
    evidenceDir: need("SWARM_EVIDENCE_DIR"),
    log: (line) => console.log(line),
  });
  console.log(`done: entitlement ${result.entitlementId}, ${result.outputs.length} steps read`);
}

if (require.main === module) {
  fromEnvironment(process.env).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
