/**
 * The demo's world without its story, for the end-to-end tests of the keeper and the Gate E attacks: the local
 * chain, the OIDC issuer, the development Sigstore and the gateway process (services.ts), the demo's roles, an
 * offer, and the SDK verifier service. `runner(...)` gives the runner context of an entitlement, and `playStep`
 * runs one honest step end to end (job, session, buyer's bound permit, caps, run, attestation).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";

import { systemClock } from "../../client/src/protocol/clock";
import { devAccount } from "../../devnet/stack";
import { answerRunner, buySteps, seedGenesis } from "./buyer";
import { Cleanup } from "./cleanup";
import { type OutputLayout, prepareOutputDir } from "./outputDir";
import { type DemoRoles, demoRoles } from "./roles";
import { type RunnerContext, type RunnerJob, type RunnerStepOutcome, finishRunnerStep, startRunnerJob } from "./runner";
import { type DemoOffer, publishDemoOffer } from "./seller";
import { type DemoServices, startServices } from "./services";
import { Story } from "./story";
import { newSummary } from "./summary";
import { type DemoVerifier, startDemoVerifier } from "./verifierService";
import { GENESIS_STATE } from "./workload";

/** A running world; `stop()` tears everything down and removes its folders. */
export interface DemoWorld {
  readonly services: DemoServices;
  readonly roles: DemoRoles;
  readonly out: OutputLayout;
  readonly chainId: bigint;
  /** The offer: the development verifier alone, quorum 1. */
  readonly offer: DemoOffer;
  /** The SDK verifier service with the development verifier's key. */
  readonly verifier: DemoVerifier;
  /** Publishes another offer of the same capsule with another verifier panel. */
  publishOffer(panel: { verifiers: readonly Address[]; quorum: number }): Promise<DemoOffer>;
  /** Buys `steps` steps of `offer` as the buyer and seeds the genesis state; returns the entitlement id. */
  buy(offer: DemoOffer, steps: number): Promise<bigint>;
  /** The runner context of an entitlement. */
  runner(offer: DemoOffer, entitlementId: bigint): RunnerContext;
  /** One honest step: a job of run `runId`, the buyer's bound permit, caps, the step run and attested. */
  playStep(
    ctx: RunnerContext,
    fromStep: number,
    runId: bigint,
  ): Promise<{ job: RunnerJob; outcome: RunnerStepOutcome }>;
  /** Registered for teardown with the world. */
  readonly cleanup: Cleanup;
  stop(): Promise<void>;
}

/** Starts the world (about as long as the demo's setup). */
export async function startDemoWorld(): Promise<DemoWorld> {
  const cleanup = new Cleanup();
  const root = await mkdtemp(path.join(tmpdir(), "swarm-world-"));
  cleanup.add("world folder", () => rm(root, { recursive: true, force: true }));
  try {
    const out = await prepareOutputDir(path.join(root, "out"));
    const story = new Story(() => undefined);
    const services = await startServices(cleanup, story, out, newSummary(new Date()));
    const { stack, sigstore } = services;
    const roles = demoRoles(stack);
    const chainId = BigInt(stack.chain.id);
    const arbiter = devAccount("arbiter").address;
    const offer = await publishDemoOffer(stack, roles, arbiter);
    const verifier = await startDemoVerifier({
      reader: { publicClient: roles.publicClient, market: roles.market },
      chainId,
      trustedRoot: sigstore.trustedRoot,
      capsules: [offer.capsuleBytes],
      account: roles.verifier,
      storeDir: out.verifierRecords,
      fromBlock: stack.deployBlock,
    });
    cleanup.add("verifier service", () => verifier.close());
    const trust = (o: DemoOffer) => ({ trustedRoot: sigstore.trustedRoot, capsule: o.capsule, commit: o.terms.commit });
    const runner = (o: DemoOffer, entitlementId: bigint): RunnerContext => ({
      issuer: stack.issuer,
      sigstore,
      gateway: services.gatewayClient,
      market: { chainId, address: stack.market },
      offer: o,
      entitlementId,
      evidenceDir: out.evidence,
      workDir: services.workDir,
      trust: trust(o),
      clock: systemClock,
    });
    return {
      services,
      roles,
      out,
      chainId,
      offer,
      verifier,
      cleanup,
      publishOffer: (panel) => publishDemoOffer(stack, roles, arbiter, panel),
      async buy(o, steps) {
        const { entitlementId } = await buySteps(roles, o.offerId, steps);
        await seedGenesis(roles, services.gatewayClient, {
          entitlementId,
          state: GENESIS_STATE,
          evidenceDir: out.evidence,
          clock: systemClock,
        });
        return entitlementId;
      },
      runner,
      async playStep(ctx, fromStep, runId) {
        const job = await startRunnerJob(ctx, runId);
        const running = finishRunnerStep(ctx, job);
        running.catch(() => undefined); // awaited below
        await answerRunner(roles, ctx.gateway, {
          entitlementId: ctx.entitlementId,
          runId,
          fromStep,
          offer: ctx.offer,
          clock: ctx.clock,
        });
        return { job, outcome: await running };
      },
      async stop() {
        await cleanup.runAll();
      },
    };
  } catch (err) {
    await cleanup.runAll();
    throw err;
  }
}
