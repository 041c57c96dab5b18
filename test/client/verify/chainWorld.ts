import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Address, type Hex, createWalletClient, getAddress, http } from "viem";

import { attestCertificate } from "../../../client/src/attest";
import type { MarketReader } from "../../../client/src/chain/clients";
import { GENESIS_PREV_CERTIFICATE, buildCertificate } from "../../../client/src/protocol/certificate";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { permitDigestOf, runIdentityFromToken, writeGenesisState, writeStepEvidence } from "../../../client/src/runner";
import {
  type ChainFacts,
  type VerifierConfig,
  fetchChainFacts,
  pinTrustRoots,
  policyStoreOf,
} from "../../../client/src/verify";
import { type DevSigstore, startDevSigstore } from "../../../devnet/sigstore";
import { DEV_COMMIT, type DevStack, devAccount, startDevStack } from "../../../devnet/stack";

/** One step's evidence as the runner writes it, in memory. */
export type StepFiles = Record<string, Uint8Array>;

/** A real local chain (offer, entitlement, consumed permits), the devnet Sigstore, and a verifier trusting both. */
export interface ChainWorld {
  readonly stack: DevStack;
  readonly sigstore: DevSigstore;
  readonly reader: MarketReader;
  readonly chainId: bigint;
  readonly market: Address;
  readonly config: VerifierConfig;
  readonly evidenceDir: string;
  /** Buys `steps` steps and seeds the genesis state; returns the entitlement id. */
  buy(steps: number): Promise<bigint>;
  /** Consumes step `step` (from `fromStep`) on-chain, runs it, attests it (TSA or Rekor) and writes its evidence. */
  runStep(id: bigint, step: number, fromStep: number, kind?: "tsa" | "tlog"): Promise<StepFiles>;
  facts(id: bigint): Promise<ChainFacts>;
  stop(): Promise<void>;
}

/** Starts the world; `stop()` tears it down. */
export async function startChainWorld(): Promise<ChainWorld> {
  const stack = await startDevStack();
  const sigstore = await startDevSigstore({ oidc: { issuer: stack.issuer.issuer, jwksUri: stack.issuer.jwksUri } });
  const evidenceDir = await mkdtemp(path.join(tmpdir(), "swarm-verify-"));
  const reader: MarketReader = { publicClient: stack.publicClient, market: stack.market };
  const chainId = 31337n;
  const gateway = createWalletClient({
    account: devAccount("gateway"),
    chain: stack.chain,
    transport: http(stack.node.url),
  });
  const config: VerifierConfig = {
    trust: pinTrustRoots([
      {
        name: "devnet-tlog",
        kind: "custom",
        trustedRoot: sigstore.trustedRoot,
        thresholds: { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 },
      },
      {
        name: "devnet-tsa",
        kind: "custom",
        trustedRoot: sigstore.trustedRoot,
        thresholds: { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
      },
    ]),
    policies: policyStoreOf([stack.policy.bytes]),
  };
  const stateOut = new Map<string, Hex>();
  const genesis = new Map<bigint, Hex>();
  let nextRun = 5_000_000_000n;

  async function runStep(id: bigint, step: number, fromStep: number, kind: "tsa" | "tlog" = "tsa"): Promise<StepFiles> {
    const runId = nextRun++;
    const context = { runId: runId.toString(), runAttempt: "1" };
    const permit: StepPermit = {
      entitlementId: id,
      step,
      fromStep,
      runId,
      runAttempt: 1,
      workerKey: `0x${randomBytes(32).toString("hex")}`,
      commit: `0x${DEV_COMMIT}`,
      policyHash: stack.policy.policyHash,
      gateway: stack.gateway,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 3600),
    };
    const signature = await stack.signPermit(permit);
    const hash = await gateway.writeContract({
      address: stack.market,
      abi: swarmMarketAbi,
      functionName: "consume",
      args: [permit, signature],
    });
    await stack.publicClient.waitForTransactionReceipt({ hash });
    const token = stack.issuer.mint({ aud: "sigstore" }, { context });
    const outputs = {
      state: `state-${id}-${step}-${randomBytes(4).toString("hex")}`,
      result: `result-${step}`,
      nextTokens: `tokens-${step}`,
    };
    const prev = fromStep === 0 ? GENESIS_PREV_CERTIFICATE : (stateOut.get(`${id}/${fromStep}/cert`) as Hex);
    const built = buildCertificate({
      market: { chainId, address: stack.market },
      offerId: stack.offerId,
      entitlementId: id,
      step,
      fromStep,
      permitDigest: permitDigestOf(permit, chainId, stack.market),
      commit: permit.commit,
      policyHash: permit.policyHash,
      run: runIdentityFromToken(token),
      stateIn: fromStep === 0 ? genesis.get(id)! : stateOut.get(`${id}/${fromStep}`)!,
      stateOut: sha256Hex(new TextEncoder().encode(outputs.state)),
      result: sha256Hex(new TextEncoder().encode(outputs.result)),
      nextTokens: sha256Hex(new TextEncoder().encode(outputs.nextTokens)),
      prevCertificate: prev,
      issuedAt: new Date(),
    });
    stateOut.set(`${id}/${step}`, built.certificate.stateOut as Hex);
    stateOut.set(`${id}/${step}/cert`, built.certificateHash);
    const endpoints = kind === "tsa" ? { tsaUrl: sigstore.tsaUrl } : { rekorUrl: sigstore.rekorUrl };
    const attestation = await attestCertificate({
      certificateBytes: built.bytes,
      token,
      sigstore: { fulcioUrl: sigstore.fulcioUrl, ...endpoints },
    });
    await writeStepEvidence(evidenceDir, id, step, { certificate: built.bytes, attestation, ...outputs });
    const enc = (s: string) => new TextEncoder().encode(s);
    return {
      "certificate.json": built.bytes,
      "certificate.sigstore.json": enc(JSON.stringify(attestation)),
      "state.jwe": enc(outputs.state),
      "result.jwe": enc(outputs.result),
      "next_tokens.jwe": enc(outputs.nextTokens),
    };
  }

  return {
    stack,
    sigstore,
    reader,
    chainId,
    market: getAddress(stack.market),
    config,
    evidenceDir,
    async buy(steps) {
      const id = await stack.buy(steps);
      const state = `genesis-${id}`;
      genesis.set(id, sha256Hex(new TextEncoder().encode(state)));
      await writeGenesisState(evidenceDir, id, state);
      return id;
    },
    runStep,
    facts: (id) => fetchChainFacts(reader, chainId, id, { fromBlock: stack.deployBlock }),
    async stop() {
      await sigstore.stop();
      await stack.stop();
      await rm(evidenceDir, { recursive: true, force: true });
    },
  };
}
