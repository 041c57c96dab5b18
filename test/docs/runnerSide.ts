import { readdir } from "node:fs/promises";
import path from "node:path";
import { type Hex, createWalletClient, encodeFunctionData, http, zeroHash } from "viem";

import type { MarketWriter } from "../../client/src/chain/clients";
import { sendChecked } from "../../client/src/chain/send";
import { createGatewayClient } from "../../client/src/gateway/client";
import { swarmMarketAbi } from "../../client/src/protocol/abi/swarmMarket";
import { type StepAttestation, marketDomain, stepAttestationTypes } from "../../client/src/protocol/eip712";
import { generateWorkerKeyPair, jwkThumbprint } from "../../client/src/protocol/keys";
import { parsePolicyCapsule } from "../../client/src/protocol/policy";
import {
  evidenceFolder,
  idTokenSourceFromEnv,
  openRunnerSession,
  permitDigestOf,
  realSleep,
  requestCaps,
  runIdentityFromToken,
  runStep,
  waitForPermit,
} from "../../client/src/runner";
import { DEV_COMMIT, devAccount } from "../../devnet/stack";
import type { World } from "../e2e/support/world";

const STEP_SCRIPT = path.join(__dirname, "..", "..", "docs", "examples", "step.mjs");
const FAST = { initialMs: 25, maxMs: 250, factor: 2 };

/** Waits for the buyer's genesis state in the evidence folder and returns the entitlement it belongs to. */
async function entitlementFromGenesis(evidenceDir: string): Promise<bigint> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const names = await readdir(evidenceDir).catch(() => [] as string[]);
    for (const name of names) {
      const zero = await readdir(path.join(evidenceDir, name, "0")).catch(() => [] as string[]);
      if (/^[0-9]+$/.test(name) && zero.includes("state.jwe")) return BigInt(name);
    }
    await realSleep(50);
  }
  throw new Error("the buyer never wrote a genesis state");
}

/**
 * What the seller's workflow and the network's verifier and keeper do around the buyer's script, for `steps`
 * steps: a GitHub-style job per step (dev OIDC issuer) opens a session, waits for the buyer's permit, gets its
 * caps and runs docs/examples/step.mjs; then the offer's verifier signs a StepAttestation and a keeper claims.
 * Attestation is not what this test is about: the step's bundle is a placeholder and input checks skip it.
 */
export async function playSellerSide(world: World, evidenceDir: string, workDir: string, steps: number): Promise<void> {
  const id = await entitlementFromGenesis(evidenceDir);
  const { capsule } = parsePolicyCapsule(world.policy.bytes);
  const chainId = BigInt(await world.publicClient.getChainId());
  const gateway = createGatewayClient(world.url, fetch);
  const clock = () => new Date();
  const verifier = devAccount("verifier");
  const keeper: MarketWriter = {
    publicClient: world.publicClient,
    market: world.market,
    wallet: createWalletClient({ account: devAccount("keeper"), transport: http(world.node.url) }),
  };
  let prevCertificateHash: Hex = zeroHash;
  for (let step = 1; step <= steps; step++) {
    const runId = BigInt(9000 + step);
    const credentials = world.issuer.registerRun({
      runId: runId.toString(),
      jobWorkflowSha: DEV_COMMIT,
      sha: DEV_COMMIT,
    });
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: credentials.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: credentials.requestToken,
    };
    const idToken = idTokenSourceFromEnv(env, { audience: capsule.identity.audience, fetch });
    const worker = generateWorkerKeyPair();
    const policy = { capsule: world.policy.base64url };
    const session = await openRunnerSession({ gateway, idToken, entitlementId: id, worker, policy });
    const deadline = new Date(Date.now() + 60_000);
    const { permit, signature } = await waitForPermit({
      gateway,
      sessionId: session.id,
      expected: { entitlementId: id, workerKey: jwkThumbprint(worker.publicJwk), runId, runAttempt: 1 },
      clock,
      sleep: realSleep,
      deadline,
      backoff: FAST,
    });
    const permitDigest = permitDigestOf(permit, chainId, world.market);
    const obtained = await requestCaps({
      ...{ gateway, idToken, permit, signature, permitDigest, worker, policy, clock, deadline },
      sleep: realSleep,
    });
    const done = await runStep({
      permit,
      permitDigest,
      caps: obtained.caps,
      market: { chainId, address: world.market },
      offerId: world.offerId,
      run: runIdentityFromToken(await idToken()),
      policy: world.policy.bytes,
      command: { argv: [process.execPath, STEP_SCRIPT], env: {}, stdio: "ignore" },
      input: evidenceFolder(evidenceDir),
      evidenceDir,
      workDir,
      attest: () => Promise.resolve({ placeholder: "not attested in this test" }),
      verifyInputCertificate: () => Promise.resolve(),
      clock,
    });
    const attestation: StepAttestation = {
      entitlementId: id,
      step,
      permitDigest,
      certificateHash: done.certificateHash,
      prevCertificateHash,
      commit: permit.commit,
      policyHash: permit.policyHash,
    };
    const verifierSignature = await verifier.signTypedData({
      domain: marketDomain(chainId, world.market),
      types: stepAttestationTypes,
      primaryType: "StepAttestation",
      message: attestation,
    });
    const data = encodeFunctionData({
      abi: swarmMarketAbi,
      functionName: "claim",
      args: [permit, attestation, [verifierSignature]],
    });
    await sendChecked(keeper, { to: world.market, data }, `claim step ${step}`);
    prevCertificateHash = done.certificateHash;
  }
}
