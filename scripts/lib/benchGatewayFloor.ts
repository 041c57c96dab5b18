import { generateKeyPairSync } from "node:crypto";
import { type JWK, importJWK, jwtVerify } from "jose";
import { type Hex, isAddressEqual, recoverTypedDataAddress } from "viem";

import { epochSeconds, systemClock } from "../../client/src/protocol/clock";
import { type StepPermit, marketDomain, stepPermitTypes } from "../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { expectedAudience, parsePolicyCapsule } from "../../client/src/protocol/policy";
import { DEV_COMMIT, type DevStack, devAccount } from "../../devnet/stack";
import { netCapSigningKey, signNetCap } from "../../gateway/src/caps/netcap";
import { encryptCaps } from "../../gateway/src/caps/release";

/** The raw floor: the three public-key operations every release needs, in a loop, nothing else. */
export interface FloorResult {
  iterations: number;
  opsPerSec: number;
  verifyMs: number;
  recoverMs: number;
  encryptMs: number;
}

/**
 * One RS256 JWT verification (jose, the issuer's JWKS key), one permit signature recovery (viem
 * `recoverTypedDataAddress`, which also hashes the EIP-712 message) and one caps JWE encryption (the gateway's
 * `encryptCaps`: X25519 ECDH-ES+A256KW, A256GCM) per iteration, sequentially: the most releases per second
 * one core could do if the gateway did nothing but these.
 */
export async function measureFloor(stack: DevStack, iterations: number): Promise<FloorResult> {
  const audience = expectedAudience(BigInt(stack.chain.id), stack.market, stack.gateway);
  const jwks = (await (await fetch(stack.issuer.jwksUri)).json()) as { keys: (JWK & { kid: string })[] };
  const jwk = jwks.keys.find((k) => k.kid === stack.issuer.currentKid);
  if (jwk === undefined) throw new Error("the issuer's JWKS lacks its current key");
  const key = await importJWK(jwk, "RS256");
  const tokens = Array.from({ length: 16 }, () => stack.issuer.mint({ aud: audience }));

  const worker = generateWorkerKeyPair();
  const permit: StepPermit = {
    entitlementId: 1n,
    step: 1,
    fromStep: 0,
    runId: 1n,
    runAttempt: 1,
    workerKey: jwkThumbprint(worker.publicJwk),
    commit: `0x${DEV_COMMIT}`,
    policyHash: stack.policy.policyHash,
    gateway: stack.gateway,
    deadline: BigInt(epochSeconds(systemClock) + 3_600),
  };
  const domain = marketDomain(stack.chain.id, stack.market);
  const signature = await stack.signPermit(permit);
  const buyer = devAccount("buyer").address;
  const typed = { domain, types: stepPermitTypes, primaryType: "StepPermit", message: permit, signature } as const;
  const digest: Hex = `0x${"5a".repeat(32)}`;
  const expiresAt = BigInt(epochSeconds(systemClock) + 3_600);
  const netCap = await signNetCap(
    {
      chainId: BigInt(stack.chain.id),
      market: stack.market,
      gateway: stack.gateway,
      entitlementId: 1n,
      step: 1,
      routes: parsePolicyCapsule(stack.policy.bytes).capsule.egress.rules,
      permitDigest: digest,
      notAfter: expiresAt,
    },
    netCapSigningKey(generateKeyPairSync("ed25519").privateKey),
    systemClock,
  );
  const release = {
    workerJwk: worker.publicJwk,
    entitlementId: 1n,
    step: 1,
    permitDigest: digest,
    kv: 1,
    payload: { stateCapIn: `0x${"11".repeat(32)}`, stateCapOut: `0x${"22".repeat(32)}`, netCap, expiresAt },
  } as const;

  let verifyMs = 0;
  let recoverMs = 0;
  let encryptMs = 0;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await jwtVerify(tokens[i % tokens.length]!, key, { algorithms: ["RS256"], issuer: stack.issuer.issuer, audience });
    const t1 = performance.now();
    if (!isAddressEqual(await recoverTypedDataAddress(typed), buyer)) throw new Error("expected the buyer");
    const t2 = performance.now();
    await encryptCaps(release);
    const t3 = performance.now();
    verifyMs += t1 - t0;
    recoverMs += t2 - t1;
    encryptMs += t3 - t2;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    iterations,
    opsPerSec: iterations / seconds,
    verifyMs: verifyMs / iterations,
    recoverMs: recoverMs / iterations,
    encryptMs: encryptMs / iterations,
  };
}
