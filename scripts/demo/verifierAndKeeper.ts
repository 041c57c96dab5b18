import { systemClock } from "../../client/src/protocol/clock";
import type { Cleanup } from "./cleanup";
import { type DemoKeeper, startDemoKeeper } from "./keeperRole";
import type { OutputLayout } from "./outputDir";
import type { DemoRoles } from "./roles";
import type { DemoServices } from "./services";
import type { Story } from "./story";
import { type DemoVerifier, startDemoVerifier } from "./verifierService";

/** What starting the verifier and the keeper needs. */
export interface VerifierAndKeeperInput {
  readonly services: DemoServices;
  readonly roles: DemoRoles;
  readonly out: OutputLayout;
  readonly cleanup: Cleanup;
  readonly story: Story;
  readonly capsuleBytes: Uint8Array;
}

/**
 * Starts the SDK verifier service (pinned to the development Sigstore root and the offer's capsule) and the SDK
 * keeper (following the market from its deploy block, evidence from the evidence folder), each stopped at teardown.
 */
export async function startVerifierAndKeeper(
  input: VerifierAndKeeperInput,
): Promise<{ verifier: DemoVerifier; keeper: DemoKeeper }> {
  const { services, roles, out, cleanup, story } = input;
  const { stack, sigstore } = services;
  story.section("verifier and keeper: SDK roles, started once, running on their own");
  const chainId = BigInt(stack.chain.id);
  const verifier = await startDemoVerifier({
    reader: { publicClient: roles.publicClient, market: roles.market },
    chainId,
    trustedRoot: sigstore.trustedRoot,
    capsules: [input.capsuleBytes],
    account: roles.verifier,
    storeDir: out.verifierRecords,
    fromBlock: stack.deployBlock,
  });
  cleanup.add("verifier service", () => verifier.close());
  story.say("verifier", `verifier service ${verifier.url} (swarm verify serve), key ${roles.verifier.address}`);
  story.detail("trusts only the pinned development Sigstore root and the offer's capsule; records what it signs");
  const keeper = startDemoKeeper({
    writer: roles.keeper,
    chainId,
    startBlock: stack.deployBlock,
    evidenceDir: out.evidence,
    verifier: { name: new URL(verifier.url).host, client: verifier.client },
    cursorFile: out.keeperCursor,
    logFile: out.keeperLog,
    clock: systemClock,
  });
  cleanup.add("keeper", async () => void (await keeper.stop()));
  story.say("keeper", `keeper (swarm keeper run) following the market from block ${stack.deployBlock}`);
  story.detail("evidence from evidence/, signatures from the verifier service, cursor in keeper-cursor.json");
  return { verifier, keeper };
}
