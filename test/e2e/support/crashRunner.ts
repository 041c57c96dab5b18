import { type KeyObject, createPublicKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Hex, getAbiItem } from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { type WorkerKeyPair, generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { expectedAudience } from "../../../client/src/protocol/policy";
import { DEV_COMMIT, type DevStack } from "../../../devnet/stack";
import { stepPermitToJson } from "../../../gateway/src/permits/schema";
import { type Receipt, verifyReceiptEnvelope } from "../../../gateway/src/receipts";
import { fetchIdToken } from "../../gateway/oidc/fixtures";

/** The devnet issuer's default run, which the devnet capsule admits. */
export const DEV_RUN_ID = 27476101517n;

/** One runner of the crash tests: its worker key, its run at the issuer, its permit and its caps request. */
export interface CrashRunner {
  worker: WorkerKeyPair;
  permit: StepPermit;
  /** The permit's EIP-712 digest, as the market computes it. */
  digest: Hex;
  body: Record<string, unknown>;
  /** A fresh OIDC token (new jti) from the runner's run, for the gateway's audience. */
  token(): Promise<string>;
}

/** Step 1 of `entitlementId`, bound to the issuer's default run and a fresh worker key, signed by the buyer. */
export async function crashRunner(stack: DevStack, entitlementId: bigint): Promise<CrashRunner> {
  const worker = generateWorkerKeyPair();
  const permit: StepPermit = {
    entitlementId,
    step: 1,
    fromStep: 0,
    runId: DEV_RUN_ID,
    runAttempt: 1,
    workerKey: jwkThumbprint(worker.publicJwk),
    commit: `0x${DEV_COMMIT}`,
    policyHash: stack.policy.policyHash,
    gateway: stack.gateway,
    deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
  };
  const signature = await stack.signPermit(permit);
  const digest = await stack.publicClient.readContract({
    address: stack.market,
    abi: swarmMarketAbi,
    functionName: "hashStepPermit",
    args: [permit],
  });
  const run = stack.issuer.registerRun({ jobWorkflowSha: DEV_COMMIT, sha: DEV_COMMIT });
  const audience = expectedAudience(BigInt(stack.chain.id), stack.market, stack.gateway);
  return {
    worker,
    permit,
    digest,
    body: {
      permit: stepPermitToJson(permit),
      signature,
      workerKey: worker.publicJwk,
      policy: { hash: stack.policy.policyHash },
    },
    token: () => fetchIdToken(run, audience),
  };
}

/** POST /v1/caps; rejects when the connection breaks (the gateway died) instead of answering. */
export async function postCaps(
  url: string,
  body: unknown,
  bearer: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/caps`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What the chain says about one step: its StepConsumed events and the entitlement's consumed counter. */
export async function chainConsumption(stack: DevStack, entitlementId: bigint, step: number) {
  const events = await stack.publicClient.getLogs({
    address: stack.market,
    event: getAbiItem({ abi: swarmMarketAbi, name: "StepConsumed" }),
    args: { entitlementId, step },
    fromBlock: stack.deployBlock,
    strict: true,
  });
  const entitlement = await stack.publicClient.readContract({
    address: stack.market,
    abi: swarmMarketAbi,
    functionName: "getEntitlement",
    args: [entitlementId],
  });
  return { events, consumed: entitlement.consumed };
}

/** Every receipt the gateway serves, each verified against the receipt key in the config folder `dir`. */
export async function verifiedReceipts(url: string, dir: string): Promise<Receipt[]> {
  const publicKey: KeyObject = createPublicKey(await readFile(path.join(dir, "receipt.pem"), "utf8"));
  const res = await fetch(`${url}/v1/receipts?from=0&to=1000`);
  if (res.status !== 200) throw new Error(`expected 200 from /v1/receipts, got ${res.status}`);
  const { receipts } = (await res.json()) as { receipts: unknown[] };
  return receipts.map((envelope) => verifyReceiptEnvelope(envelope, publicKey));
}

/** Rewrites the `ledgerPath` of the gateway config file `config`. */
export async function setLedgerPath(config: string, ledgerPath: string): Promise<void> {
  const json = JSON.parse(await readFile(config, "utf8")) as { ledgerPath: string };
  json.ledgerPath = ledgerPath;
  await writeFile(config, `${JSON.stringify(json, null, 2)}\n`);
}

/** The protected header of a compact JWE, decoded without decrypting. */
export function jweHeader(jwe: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwe.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
}
