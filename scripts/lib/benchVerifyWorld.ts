/**
 * The bench's evidence: a development OIDC issuer and Sigstore, a policy capsule, and a run of N chained steps
 * (each from the previous one), each certificate attested with the standard signing client, and the chain facts
 * a verifier would have fetched beforehand (built in memory: the figure is verification, not RPC).
 */
import { randomBytes } from "node:crypto";
import { type Address, type Hex, getAddress } from "viem";

import { attestCertificate } from "../../client/src/attest";
import { GENESIS_PREV_CERTIFICATE, buildCertificate } from "../../client/src/protocol/certificate";
import { sha256Hex } from "../../client/src/protocol/jcs";
import { buildPolicyCapsule, expectedAudience } from "../../client/src/protocol/policy";
import { runIdentityFromToken } from "../../client/src/runner";
import {
  type ChainFacts,
  type ConsumedFacts,
  type RunEvidence,
  type VerifierConfig,
  pinTrustRoots,
  policyStoreOf,
} from "../../client/src/verify";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../devnet/oidc";
import { type DevSigstore, startDevSigstore } from "../../devnet/sigstore";
import { DEV_COMMIT, DEV_JOB_WORKFLOW, DEV_REPOSITORY, DEV_REPOSITORY_ID } from "../../devnet/stack";

/** Everything the bench measures on. */
export interface BenchVerifyWorld {
  readonly config: VerifierConfig;
  readonly ref: { chainId: bigint; market: Address; entitlementId: bigint };
  readonly evidence: RunEvidence;
  readonly facts: ChainFacts;
  /** The development Sigstore's trusted root (JSON), for the `@sigstore/verify`-only baseline. */
  readonly trustedRoot: unknown;
  /** The bundles' JSON text, in step order. */
  readonly bundles: readonly string[];
  stop(): Promise<void>;
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Builds `steps` chained, attested steps ("tsa": GitHub style; "tlog": public-good style). */
export async function buildBenchVerifyWorld(steps: number, kind: "tsa" | "tlog"): Promise<BenchVerifyWorld> {
  const issuer: DevOidcIssuer = await startDevOidcIssuer({});
  const sigstore: DevSigstore = await startDevSigstore({ oidc: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } });
  const chainId = 31337n;
  const market = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  const gateway = getAddress(`0x${"9".repeat(40)}`);
  const entitlementId = 1n;
  const capsule = buildPolicyCapsule({
    identity: {
      issuer: issuer.issuer,
      audience: expectedAudience(chainId, market, gateway),
      repository: DEV_REPOSITORY,
      repositoryId: DEV_REPOSITORY_ID,
      jobWorkflowRef: DEV_JOB_WORKFLOW,
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
    },
    egress: { rules: [] },
    limits: { maxSeconds: "600", maxStateBytes: "1048576" },
  });
  const commit = `0x${DEV_COMMIT}` as Hex;
  const offer = { offerId: 1n, commit, policyHash: capsule.policyHash, gateway, allowUnboundRuns: false };
  const consumed = new Map<number, ConsumedFacts>();
  const files = new Map<number, Record<string, Uint8Array>>();
  const bundles: string[] = [];
  const genesis = `genesis-${randomBytes(8).toString("hex")}`;
  let stateIn = sha256Hex(enc(genesis));
  let prev: Hex = GENESIS_PREV_CERTIFICATE;
  const endpoints = kind === "tsa" ? { tsaUrl: sigstore.tsaUrl } : { rekorUrl: sigstore.rekorUrl };
  for (let step = 1; step <= steps; step++) {
    const runId = 7_000_000_000n + BigInt(step);
    const token = issuer.mint({ aud: "sigstore" }, { context: { runId: runId.toString(), runAttempt: "1" } });
    const permitDigest = `0x${randomBytes(32).toString("hex")}` as Hex;
    consumed.set(step, {
      step,
      fromStep: step - 1,
      permitDigest,
      workerKey: `0x${randomBytes(32).toString("hex")}`,
      runId,
      runAttempt: 1,
      blockNumber: BigInt(step),
      txHash: `0x${randomBytes(32).toString("hex")}`,
    });
    const outputs = {
      state: `state-${step}-${randomBytes(64).toString("base64url")}`,
      result: `result-${step}`,
      nextTokens: `tokens-${step}`,
    };
    const built = buildCertificate({
      market: { chainId, address: market },
      offerId: 1n,
      entitlementId,
      step,
      fromStep: step - 1,
      permitDigest,
      commit,
      policyHash: capsule.policyHash,
      run: runIdentityFromToken(token),
      stateIn,
      stateOut: sha256Hex(enc(outputs.state)),
      result: sha256Hex(enc(outputs.result)),
      nextTokens: sha256Hex(enc(outputs.nextTokens)),
      prevCertificate: prev,
      issuedAt: new Date(),
    });
    const bundle = JSON.stringify(
      await attestCertificate({
        certificateBytes: built.bytes,
        token,
        sigstore: { fulcioUrl: sigstore.fulcioUrl, ...endpoints },
      }),
    );
    bundles.push(bundle);
    files.set(step, {
      "certificate.json": built.bytes,
      "certificate.sigstore.json": enc(bundle),
      "state.jwe": enc(outputs.state),
      "result.jwe": enc(outputs.result),
      "next_tokens.jwe": enc(outputs.nextTokens),
    });
    stateIn = built.certificate.stateOut as Hex;
    prev = built.certificateHash;
  }
  const thresholds =
    kind === "tsa"
      ? { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 }
      : { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 };
  return {
    config: {
      trust: pinTrustRoots([{ name: "devnet", kind: "custom", trustedRoot: sigstore.trustedRoot, thresholds }]),
      policies: policyStoreOf([capsule.bytes]),
    },
    ref: { chainId, market, entitlementId },
    evidence: { steps: files, genesisState: enc(genesis) },
    facts: {
      source: "rpc",
      chainId,
      market,
      entitlementId,
      offer,
      consumedSteps: steps,
      consumed,
      steps: new Map(),
    },
    trustedRoot: sigstore.trustedRoot,
    bundles,
    async stop() {
      await sigstore.stop();
      await issuer.stop();
    },
  };
}
