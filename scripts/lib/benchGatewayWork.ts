import { writeFile } from "node:fs/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { hashTypedData } from "viem";

import { type StepPermit, marketDomain, stepPermitToJson, stepPermitTypes } from "../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { expectedAudience } from "../../client/src/protocol/policy";
import { DEV_COMMIT, type DevStack, devAccount } from "../../devnet/stack";
import { MAX_RETRIES } from "./benchGatewayClient";
import type { RunnerWork } from "./benchGatewayProtocol";
import { note } from "./benchGatewayStats";

/** The development offer's maxSteps: a runner needing more steps gets several entitlements, used in turn. */
export const DEV_OFFER_MAX_STEPS = 1_000;
/** Spare tokens per runner, as a share of its steps (plus one retry's worth): for asking again after a 503. */
const SPARE_TOKEN_SHARE = 0.1;
/**
 * Token lifetime: GitHub's is 5 minutes, but every token is minted before the load starts and a slow run (a busy
 * machine) can last longer than that. The gateway's work per token does not depend on exp; its jti store keeps
 * each jti until exp + 60 s, which is past the end of the run either way.
 */
const TOKEN_LIFETIME_SECONDS = 1_200;
/** Runs get ids from here up, one per runner, so each runner's tokens and permits are bound to its own run. */
const FIRST_RUN_ID = 1_000_000_000n;

/** How many releases each runner sends. */
export interface WorkPlan {
  runners: number;
  stepsPerRunner: number;
  /** runners × stepsPerRunner: warm-up + measured + one full round of cool-down, rounded up. */
  total: number;
}

/**
 * Warm-up, then the measured releases, then one more release per runner, so the last measured completion
 * still happens under full concurrency (the tail, where runners finish one by one, is not measured).
 */
export function planWork(o: { warmup: number; requests: number; concurrency: number }): WorkPlan {
  const stepsPerRunner = Math.ceil((o.warmup + o.requests + o.concurrency) / o.concurrency);
  return { runners: o.concurrency, stepsPerRunner, total: stepsPerRunner * o.concurrency };
}

/** Buys each runner's steps as the development buyer; returns each runner's entitlement ids in order of use. */
export async function buyEntitlements(stack: DevStack, plan: WorkPlan): Promise<bigint[][]> {
  const all: bigint[][] = [];
  for (let r = 0; r < plan.runners; r++) {
    const ids: bigint[] = [];
    for (let left = plan.stepsPerRunner; left > 0; left -= DEV_OFFER_MAX_STEPS) {
      ids.push(await stack.buy(Math.min(left, DEV_OFFER_MAX_STEPS)));
    }
    all.push(ids);
  }
  return all;
}

/**
 * Writes every release the driver will send, one JSON line per runner: each runner has its own X25519 worker
 * key and run id; each release a permit for the next step signed by the buyer and a fresh token (unique jti,
 * GitHub's claim set) from the development issuer. Signing happens here, before the load, so client
 * crypto does not compete with the gateway for the machine's cores; tokens are minted step by step across
 * runners, in the order they will be used.
 */
export async function writeWorkFile(
  stack: DevStack,
  file: string,
  plan: WorkPlan,
  entitlements: readonly bigint[][],
  sampleEvery: number,
  deadline: bigint,
): Promise<void> {
  const domain = marketDomain(stack.chain.id, stack.market);
  const audience = expectedAudience(BigInt(stack.chain.id), stack.market, stack.gateway);
  const runners: RunnerWork[] = [];
  // One account for every signature: `stack.signPermit` derives the buyer from the mnemonic on each call.
  const buyer = devAccount("buyer");
  const mint = (r: number) =>
    stack.issuer.mint(
      { aud: audience, exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS },
      { context: { runId: (FIRST_RUN_ID + BigInt(r)).toString(), runAttempt: "1" } },
    );
  const keys = entitlements.map(() => generateWorkerKeyPair());
  keys.forEach((key, runner) => {
    const workerKeyPem = key.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    runners.push({ runner, workerKeyPem, items: [], spareTokens: [] });
  });
  let made = 0;
  for (let k = 0; k < plan.stepsPerRunner; k++) {
    for (let r = 0; r < plan.runners; r++) {
      const runId = FIRST_RUN_ID + BigInt(r);
      const step = (k % DEV_OFFER_MAX_STEPS) + 1;
      const permit: StepPermit = {
        entitlementId: entitlements[r]![Math.floor(k / DEV_OFFER_MAX_STEPS)]!,
        step,
        fromStep: step - 1,
        runId,
        runAttempt: 1,
        workerKey: jwkThumbprint(keys[r]!.publicJwk),
        commit: `0x${DEV_COMMIT}`,
        policyHash: stack.policy.policyHash,
        gateway: stack.gateway,
        deadline,
      };
      const sampled = made % sampleEvery === 0;
      runners[r]!.items.push({
        token: mint(r),
        body: {
          permit: stepPermitToJson(permit),
          signature: await buyer.signTypedData({
            domain,
            types: stepPermitTypes,
            primaryType: "StepPermit",
            message: permit,
          }),
          workerKey: { ...keys[r]!.publicJwk },
          policy: { hash: stack.policy.policyHash },
        },
        ...(sampled
          ? {
              expect: {
                entitlementId: permit.entitlementId.toString(),
                step,
                permitDigest: hashTypedData({
                  domain,
                  types: stepPermitTypes,
                  primaryType: "StepPermit",
                  message: permit,
                }),
              },
            }
          : {}),
      });
      if (++made % 5_000 === 0) note(`signed ${made} of ${plan.total} permits and tokens`);
      // Let signals and timers through: signing never waits for I/O, so the loop would otherwise hold the thread.
      if (made % 200 === 0) await yieldToEventLoop();
    }
  }
  const spares = Math.ceil(plan.stepsPerRunner * SPARE_TOKEN_SHARE) + MAX_RETRIES;
  for (const work of runners) work.spareTokens = Array.from({ length: spares }, () => mint(work.runner));
  await writeFile(file, runners.map((r) => JSON.stringify(r)).join("\n") + "\n", { mode: 0o600 });
}
