import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";

import {
  type BundleInputs,
  type BundleReport,
  evidenceAnchorReader,
  exportAndVerify,
  gatewayBundleInputs,
} from "../../client/src/bundle";
import type { Clock } from "../../client/src/protocol/clock";
import { requestTimestamp, tsaTrustFromPem } from "../../client/src/protocol/timestamp";
import { checkpointOrigin } from "../../gateway/src/transparency";
import { waitForAnchor } from "./anchorWait";
import { type DemoPins, bundlePins, verifyCommand, writePins } from "./bundlePins";
import { type DemoServices, timed } from "./services";
import type { StepFlowContext } from "./stepFlow";
import { fmt } from "./story";
import type { DemoWitness } from "./witness";

/**
 * The gateway's log as the demo knows it from its own setup (never from a bundle): the checkpoint key is the
 * receipt key the demo generated into the gateway's folder, the origin names the chain, market and gateway.
 */
export async function gatewayLogPin(services: DemoServices): Promise<{ logKey: KeyObject; origin: string }> {
  const privateKey = createPrivateKey(await readFile(path.join(services.gatewayDir, "receipt.pem")));
  const { stack } = services;
  return { logKey: createPublicKey(privateKey), origin: checkpointOrigin(stack.chain.id, stack.market, stack.gateway) };
}

/** The local TSA as a bundle's timestamping function: each token is checked against its pinned chain on arrival. */
function localTimestamp(services: DemoServices): NonNullable<BundleInputs["timestamp"]> {
  const { url, chainPem } = services.tsa;
  const trust = tsaTrustFromPem(chainPem);
  return {
    stamp: async (digest) => Buffer.from((await requestTimestamp(url, digest, fetch, { trust })).response),
    tsaChainPem: chainPem,
    tsaUrl: url,
  };
}

/** The passed checks on one line, then one line per check that did not pass, with its code and detail. */
function checkLines(report: BundleReport): string[] {
  const passed = report.checks.filter((c) => c.status === "passed").map((c) => c.name);
  const others = report.checks.filter((c) => c.status !== "passed");
  return [
    `passed: ${passed.join(", ")}`,
    ...others.map((c) => `${c.status}: ${c.name}${c.code === undefined ? "" : ` ${c.code}`} — ${c.detail}`),
  ];
}

/**
 * The story's last part: the witness cosigns the gateway's final checkpoint (after a consistency check), the
 * gateway's anchor of that root is awaited, the buyer exports the entitlement's evidence bundle (receipts under the
 * witnessed checkpoint, RFC 3161 timestamp, anchor record, evidence) into `<out>/bundle`, and an auditor verifies
 * it offline with pins from the demo's own keys, written to `<out>/pins`. Throws unless the bundle is `valid`.
 */
export async function exportEvidenceBundle(
  ctx: StepFlowContext,
  services: DemoServices,
  witness: DemoWitness,
  options: { entitlementId: bigint; clock: Clock },
): Promise<void> {
  const { story, summary, out } = ctx;
  const { stack } = services;
  story.section("evidence bundle: exported, then verified offline with pinned keys");
  const exporter = generateKeyPairSync("ed25519");
  const { logKey, origin } = await gatewayLogPin(services);
  const subject = {
    kind: "entitlement" as const,
    chainId: String(stack.chain.id),
    market: stack.market.toLowerCase(),
    entitlementId: options.entitlementId.toString(),
  };
  const exported = await timed(async () => {
    const inputs = await gatewayBundleInputs({
      gatewayUrl: services.gateway.url,
      fetch,
      subject,
      signer: exporter,
      clock: options.clock,
      logKey,
      evidenceDir: out.evidence,
      timestamp: localTimestamp(services),
    });
    if (inputs.log === undefined) throw new Error("the gateway published no checkpoint");
    const cosigned = await witness.cosignLatest();
    if (cosigned.cosignedNote.slice(0, -cosigned.line.length) !== inputs.log.checkpoint) {
      throw new Error("the witness cosigned another checkpoint than the one exported (the log moved)");
    }
    const seen = cosigned.previous === undefined ? "first checkpoint seen" : `extends ${cosigned.previous.treeSize}`;
    story.say("witness", `cosigned the checkpoint of ${inputs.log.treeSize} receipts (${seen}, consistency proven)`);
    const anchor = await waitForAnchor(path.join(services.gatewayDir, "anchors.ndjson"), inputs.log.treeSize);
    story.say("gateway", `anchored that root: EvidenceAnchor epoch ${anchor.epoch} (block ${anchor.blockNumber})`);
    story.detail(`root ${fmt.hex(anchor.root, 16)}, tx ${fmt.hex(anchor.transactionHash, 16)}`);
    const witnessed: BundleInputs = {
      ...inputs,
      anchor,
      log: {
        ...inputs.log,
        checkpoint: cosigned.cosignedNote,
        witnesses: { threshold: 1, keys: [witness.verifierKey] },
      },
    };
    return { inputs: witnessed, anchor };
  });
  const pins: DemoPins = {
    issuerKey: exporter.publicKey,
    logKey,
    tsaChainPem: services.tsa.chainPem,
    witnessPolicy: { threshold: 1, witnesses: [witness.verifierKey], origin },
  };
  await writePins(out.pins, pins);
  const { inputs, anchor } = exported.value;
  const verified = await timed(() =>
    exportAndVerify(out.bundle, inputs, { pins: bundlePins(pins), clock: options.clock }),
  );
  const { files, report } = verified.value;
  story.say("buyer", `exported the bundle of entitlement #${options.entitlementId} → bundle/ (${files.length} files)`, {
    ms: exported.ms,
  });
  story.detail("claim signed with the buyer's org key (fresh Ed25519), timestamped by the local TSA (RFC 3161)");
  story.say("auditor", `verified it offline: ${report.status}, strength ${report.strength}`, { ms: verified.ms });
  story.detail(`${report.receipts?.count ?? 0} receipts, whole log: ${report.partial ? "no (partial)" : "yes"}`);
  for (const line of checkLines(report)) story.detail(line);
  story.detail("pinned: issuer key, log key, TSA chain, witness policy → pins/ (never the bundle's trust/)");
  const command = verifyCommand(out.bundle, out.pins);
  story.detail(`again, from the files alone: ${command}`);
  summary.bundle = {
    path: out.bundle,
    status: report.status,
    strength: report.strength,
    receipts: report.receipts?.count ?? 0,
    anchorEpoch: anchor.epoch,
    verifyCommand: command,
  };
  if (report.status !== "valid") {
    const failed = report.checks.filter((c) => c.status !== "passed" && c.status !== "unchecked");
    const why = failed.map((c) => `${c.name} ${c.code ?? ""} ${c.detail}`).join("; ");
    throw Object.assign(new Error(`the evidence bundle verified ${report.status}: ${why}`), {
      code: report.code ?? "BUNDLE_NOT_VALID",
    });
  }
  const onChain = await evidenceAnchorReader(stack.publicClient)(anchor);
  if (onChain !== anchor.root) throw new Error(`EvidenceAnchor does not hold epoch ${anchor.epoch} with the root`);
  story.say("chain", `EvidenceAnchor.rootAt(gateway, ${anchor.epoch}) = the bundle's root (what --chain checks)`);
}
