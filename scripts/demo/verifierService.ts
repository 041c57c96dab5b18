/**
 * The demo's verifier: the SDK's verifier service (`client/src/verify`, what `swarm verify serve` runs) on
 * 127.0.0.1, trusting exactly the development Sigstore's root and the offer's capsule, signing with the
 * development verifier key, and recording what it signed so it never signs a second certificate of a step.
 * The keeper talks to it over HTTP through the SDK's verifier client; the last report per step is kept for the story.
 */
import type { LocalAccount } from "viem";

import type { MarketReader } from "../../client/src/chain/clients";
import { fromViemAccount } from "../../client/src/signer";
import {
  type AttestationRequest,
  type AttestationResponse,
  type StepReport,
  type VerifierClient,
  type VerifierConfig,
  createVerifierClient,
  pinTrustRoots,
  policyStoreOf,
  startVerifierServer,
} from "../../client/src/verify";
import { DEMO_THRESHOLDS } from "./attestation";

/** A running verifier service and a client of it that remembers each step's report. */
export interface DemoVerifier {
  readonly url: string;
  readonly address: `0x${string}`;
  /** The trust it verifies with: the arbiter re-verifies with the same. */
  readonly config: VerifierConfig;
  readonly client: VerifierClient;
  /** The block the market was deployed in: where event scans start. */
  readonly fromBlock: bigint;
  /** The last report the service answered for `<entitlementId>/<step>`. */
  reportOf(entitlementId: bigint, step: number): StepReport | undefined;
  close(): Promise<void>;
}

/** What the verifier is started with. */
export interface DemoVerifierOptions {
  readonly reader: MarketReader;
  readonly chainId: bigint;
  /** The development Sigstore's trusted root: trusted here only because the demo hands it over explicitly. */
  readonly trustedRoot: unknown;
  readonly capsules: readonly Uint8Array[];
  readonly account: LocalAccount;
  /** Where it records what it signed (one record per step). */
  readonly storeDir: string;
  readonly fromBlock: bigint;
}

/** The verifier configuration for the development Sigstore (a Rekor entry and two timestamps per bundle). */
export function demoVerifierConfig(trustedRoot: unknown, capsules: readonly Uint8Array[]): VerifierConfig {
  return {
    trust: pinTrustRoots([{ name: "devnet-sigstore", kind: "custom", trustedRoot, thresholds: DEMO_THRESHOLDS }]),
    policies: policyStoreOf(capsules),
  };
}

/** Starts the verifier service on 127.0.0.1 (an ephemeral port). */
export async function startDemoVerifier(options: DemoVerifierOptions): Promise<DemoVerifier> {
  const config = demoVerifierConfig(options.trustedRoot, options.capsules);
  const server = await startVerifierServer({
    config,
    reader: options.reader,
    chainId: options.chainId,
    signer: fromViemAccount(options.account),
    storeDir: options.storeDir,
    fromBlock: options.fromBlock,
  });
  const inner = createVerifierClient(server.url, fetch);
  const reports = new Map<string, StepReport>();
  const client: VerifierClient = {
    health: () => inner.health(),
    async attest(request: AttestationRequest): Promise<AttestationResponse> {
      const answer = await inner.attest(request);
      reports.set(`${request.entitlementId}/${request.step}`, answer.report);
      return answer;
    },
  };
  return {
    url: server.url,
    address: options.account.address,
    config,
    client,
    fromBlock: options.fromBlock,
    reportOf: (id, step) => reports.get(`${id}/${step}`),
    close: () => server.close(),
  };
}
