import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { type Hex, getAddress } from "viem";
import { createNonceManager, jsonRpc } from "viem/nonce";

import { epochSeconds, systemClock } from "../../client/src/protocol/clock";
import { type StepPermit, marketDomain, stepPermitToJson, stepPermitTypes } from "../../client/src/protocol/eip712";
import { type WorkerKeyPair, generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { DEV_COMMIT, DEV_MNEMONIC, DEV_ROLES, type DevStack, devAccount } from "../../devnet/stack";
import type { MarketReader } from "../../gateway/src/chain/marketReader";
import type { PermitConsumer } from "../../gateway/src/chain/permitConsumer";
import type { GatewayContext } from "../../gateway/src/service/context";
import { releaseCaps } from "../../gateway/src/service/releaseCaps";
import { wireGateway } from "../../gateway/src/service/wire";
import { percentile } from "./benchGatewayStats";
import { mnemonicToAccount } from "viem/accounts";

/** The gateway's own time per release with the chain taken out, from sequential in-process calls. */
export interface OverheadResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** This process's CPU time (user + system, all threads) per release: immune to other processes' load. */
  cpuP50Ms: number;
  cpuP99Ms: number;
  cpuMsPerRequest: number;
}

/** Entitlement ids far above anything bought: the stubbed reader answers for them, the chain never sees them. */
const FIRST_ENTITLEMENT = 1_000_000_000n;
const RUN_ID = 2_000_000_000n;
const UNTIMED_WARMUP = 200;
const STUB_TX_HASH: Hex = `0x${"ab".repeat(32)}`;

/**
 * Runs the production `releaseCaps` in this process over a gateway wired exactly as `main.ts` wires one, except
 * for two test doubles that take the chain out: the market reader answers from memory (the real offer, a fresh
 * entitlement per request with the buyer as signer), and the permit consumer resolves at once. Everything else
 * is real: RS256 token verification against the issuer's JWKS, the jti store, the subject limit, policy,
 * identity, run and worker-key checks, permit field checks, ECDSA recovery, caps derivation (HKDF + netCap
 * Ed25519 JWS), the caps JWE (X25519), and a signed receipt appended to a ledger file with fsync. Calls are
 * sequential, so each time is one release's own latency, never a wait in a queue.
 */
export async function measureOverhead(stack: DevStack, dir: string, requests: number): Promise<OverheadResult> {
  const wired = await wireGateway({
    clock: systemClock,
    chain: stack.chain,
    rpcUrl: stack.node.url,
    publicClient: stack.publicClient,
    market: stack.market,
    deployBlock: stack.deployBlock,
    confirmations: 1,
    account: mnemonicToAccount(DEV_MNEMONIC, {
      addressIndex: DEV_ROLES.gateway,
      nonceManager: createNonceManager({ source: jsonRpc() }),
    }),
    oidc: { issuer: stack.issuer.issuer, jwksUrl: stack.issuer.jwksUri, leewaySeconds: 60 },
    fetch,
    ledgerPath: path.join(dir, "overhead-receipts.ndjson"),
    receiptKey: generateKeyPairSync("ed25519"),
    netCapKey: generateKeyPairSync("ed25519").privateKey,
    secrets: [{ kv: 1, startBlock: 0n, secret: randomBytes(32) }],
    policies: [stack.policy.bytes],
    subjectRateLimit: { ratePerSecond: 1_000_000, burst: 1_000_000 },
  });
  try {
    const offer = await wired.context.reader.offer(stack.offerId);
    const buyer = getAddress(devAccount("buyer").address);
    const reader: MarketReader = {
      offer: async () => offer,
      entitlement: async (entitlementId) => ({
        entitlementId,
        offerId: stack.offerId,
        buyer,
        signer: buyer,
        bought: 1,
        consumed: 0,
        purchaseBlock: stack.deployBlock,
      }),
      step: () => Promise.reject(new Error("the overhead bench never takes the re-delivery path")),
      consumedEvent: () => Promise.reject(new Error("the overhead bench never takes the re-delivery path")),
    };
    const consumer: PermitConsumer = {
      consume: async () => ({
        permitDigest: `0x${"00".repeat(32)}`,
        transactionHash: STUB_TX_HASH,
        blockNumber: 1n,
        consumedAt: BigInt(epochSeconds(systemClock)),
      }),
      drain: async () => undefined,
    };
    const ctx: GatewayContext = { ...wired.context, reader, consumer };
    const workers = Array.from({ length: 16 }, () => generateWorkerKeyPair());
    const calls = await prepareCalls(stack, ctx.audience, workers, UNTIMED_WARMUP + requests);

    const release = async (call: (typeof calls)[number]) => {
      const req = { bearer: call.token, remoteAddress: "127.0.0.1", requestId: randomUUID() };
      const answer = await releaseCaps(ctx, req, call.body);
      if (typeof answer.jwe !== "string" || answer.redelivery) throw new Error("expected a fresh release");
    };
    for (const call of calls.slice(0, UNTIMED_WARMUP)) await release(call);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const call of calls.slice(UNTIMED_WARMUP)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await release(call);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return {
      requests,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      meanMs: elapsed / requests,
      cpuP50Ms: percentile(cpuTimes, 50),
      cpuP99Ms: percentile(cpuTimes, 99),
      cpuMsPerRequest: (used.user + used.system) / 1000 / requests,
    };
  } finally {
    await wired.close();
  }
}

/** Signed permits and fresh tokens for `count` releases, each of step 1 of its own (stubbed) entitlement. */
async function prepareCalls(stack: DevStack, audience: string, workers: readonly WorkerKeyPair[], count: number) {
  const deadline = BigInt(epochSeconds(systemClock) + 3_600);
  const buyer = devAccount("buyer");
  const domain = marketDomain(stack.chain.id, stack.market);
  const calls: { token: string; body: unknown }[] = [];
  for (let i = 0; i < count; i++) {
    const worker = workers[i % workers.length]!;
    const permit: StepPermit = {
      entitlementId: FIRST_ENTITLEMENT + BigInt(i),
      step: 1,
      fromStep: 0,
      runId: RUN_ID,
      runAttempt: 1,
      workerKey: jwkThumbprint(worker.publicJwk),
      commit: `0x${DEV_COMMIT}`,
      policyHash: stack.policy.policyHash,
      gateway: stack.gateway,
      deadline,
    };
    calls.push({
      token: stack.issuer.mint({ aud: audience }, { context: { runId: RUN_ID.toString(), runAttempt: "1" } }),
      body: {
        permit: stepPermitToJson(permit),
        signature: await buyer.signTypedData({
          domain,
          types: stepPermitTypes,
          primaryType: "StepPermit",
          message: permit,
        }),
        workerKey: worker.publicJwk,
        policy: { hash: stack.policy.policyHash },
      },
    });
    if (i % 200 === 0) await yieldToEventLoop();
  }
  return calls;
}
