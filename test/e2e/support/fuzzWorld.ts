import { generateKeyPairSync } from "node:crypto";
import type { Hex } from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { type StateKeyRequest, type StepPermit, marketDomain } from "../../../client/src/protocol/eip712";
import { type WorkerKeyPair, generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { expectedAudience } from "../../../client/src/protocol/policy";
import { stateKeyRequestToJson, stateKeyRequestTypedData } from "../../../client/src/protocol/stateKeyRequest";
import { stepPermitToJson } from "../../../gateway/src/permits/schema";
import { MAX_RANGE } from "../../../gateway/src/receipts";
import type { FuzzTargets } from "./fuzzRequests";
import type { FuzzTokens } from "./fuzzTokens";
import type { JsonObject } from "./fuzzValues";
import { COMMIT, type World } from "./world";

/** A target entitlement: its valid, unsent caps request and the worker key that can open the answer. */
export interface CapsTarget {
  entitlementId: bigint;
  permit: StepPermit;
  worker: WorkerKeyPair;
  body: JsonObject;
}

const now = () => BigInt(Math.floor(Date.now() / 1000));

/** Runner tokens for the world's gateway: valid ones from the dev issuer, and crafted ones. */
export function fuzzTokens(world: World): FuzzTokens {
  const audience = world.gateway.context.audience;
  return {
    fresh: () => world.issuer.mint({ aud: audience }),
    mint: (claims, options) => world.issuer.mint({ aud: audience, ...claims }, options),
    attackerKey: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
    audience,
    otherAudience: expectedAudience(31337n, world.market, "0x00000000000000000000000000000000000000aa"),
  };
}

/** A valid caps request for step 1 of `entitlementId`, bound to the dev issuer's default run. */
export async function capsTarget(world: World, entitlementId: bigint): Promise<CapsTarget> {
  const worker = generateWorkerKeyPair();
  const permit = permitFor(world, entitlementId, jwkThumbprint(worker.publicJwk));
  const body = {
    permit: stepPermitToJson(permit),
    signature: await world.signPermit(permit),
    workerKey: worker.publicJwk,
    policy: { hash: world.policy.policyHash },
  };
  return { entitlementId, permit, worker, body: body as unknown as JsonObject };
}

function permitFor(world: World, entitlementId: bigint, workerKey: Hex): StepPermit {
  return {
    entitlementId,
    step: 1,
    fromStep: 0,
    runId: 27476101517n,
    runAttempt: 1,
    workerKey,
    commit: `0x${COMMIT}`,
    policyHash: world.policy.policyHash,
    gateway: world.gatewayAddress,
    deadline: now() + 3600n,
  };
}

/** A valid, buyer-signed request for the genesis state key of `entitlementId`. */
export async function stateKeyBody(world: World, entitlementId: bigint): Promise<JsonObject> {
  const recipient = generateWorkerKeyPair();
  const request: StateKeyRequest = {
    entitlementId,
    fromStep: 0,
    toStep: 0,
    recipientKey: jwkThumbprint(recipient.publicJwk),
    gateway: world.gatewayAddress,
    deadline: now() + 280n,
  };
  const signature = await world.buyer.signTypedData(
    stateKeyRequestTypedData(marketDomain(31337, world.market), request),
  );
  return {
    request: stateKeyRequestToJson(request),
    signature,
    recipientJwk: recipient.publicJwk,
  } as unknown as JsonObject;
}

/** Opens a session for `entitlementId` over HTTP; returns its id and a valid, unsent permit for it. */
async function openSession(world: World, entitlementId: bigint, tokens: FuzzTokens) {
  const worker = generateWorkerKeyPair();
  const res = await fetch(`${world.url}/v1/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens.fresh()}` },
    body: JSON.stringify({
      entitlementId: entitlementId.toString(),
      workerKey: worker.publicJwk,
      policy: { hash: world.policy.policyHash },
    }),
  });
  if (res.status !== 201) throw new Error(`expected 201 opening a session, got ${res.status}`);
  const { session } = (await res.json()) as { session: { id: string } };
  const permit = permitFor(world, entitlementId, jwkThumbprint(worker.publicJwk));
  return { id: session.id, attach: { permit: stepPermitToJson(permit), signature: await world.signPermit(permit) } };
}

/** Buys `count` entitlements and builds the valid originals the fuzz run mutates. */
export async function fuzzTargets(world: World, count: number): Promise<{ targets: FuzzTargets; caps: CapsTarget[] }> {
  const tokens = fuzzTokens(world);
  const caps: CapsTarget[] = [];
  for (let i = 0; i < count; i++) caps.push(await capsTarget(world, await world.buy(2)));
  const stateKeys = await Promise.all(caps.map((c) => stateKeyBody(world, c.entitlementId)));
  const sessions = [
    await openSession(world, caps[0]!.entitlementId, tokens),
    await openSession(world, caps[1]!.entitlementId, tokens),
  ];
  const targets: FuzzTargets = {
    caps: caps.map((c) => c.body),
    stateKeys,
    sessions,
    openSession: {
      entitlementId: caps[0]!.entitlementId.toString(),
      workerKey: generateWorkerKeyPair().publicJwk,
      policy: { hash: world.policy.policyHash },
    } as unknown as JsonObject,
    tokens,
    fields: { otherJwk: generateWorkerKeyPair().publicJwk, capsule: world.policy.bytes },
  };
  return { targets, caps };
}

/** The consumed counter of each entitlement, read from the chain. */
export async function consumedOnChain(world: World, ids: readonly bigint[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const e = await world.publicClient.readContract({
        address: world.market,
        abi: swarmMarketAbi,
        functionName: "getEntitlement",
        args: [id],
      });
      return e.consumed;
    }),
  );
}

/** How many receipts of each kind the world's ledger holds. */
export async function receiptKinds(world: World): Promise<Map<string, number>> {
  const kinds = new Map<string, number>();
  const size = world.gateway.ledger.head().size;
  for (let from = 0; from < size; from += MAX_RANGE) {
    for (const line of await world.gateway.ledger.range(from, Math.min(size, from + MAX_RANGE), MAX_RANGE)) {
      const { kind } = JSON.parse(Buffer.from(line.envelope.payload, "base64").toString("utf8")) as { kind: string };
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
  return kinds;
}
