import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** The file that marks a folder as written by the demo, so a later run may replace it. */
export const DEMO_MARKER = ".swarm-demo";

/** The output folder's layout. */
export interface OutputLayout {
  readonly root: string;
  /** The per-step evidence layout: <entitlementId>/<step>/{certificate.json, …}. */
  readonly evidence: string;
  /** Sigstore's trusted_root.json of the development Sigstore. */
  readonly trustedRoot: string;
  /** A copy of the gateway's receipts ledger. */
  readonly receipts: string;
  /** The gateway's log (structured, no secrets). */
  readonly gatewayLog: string;
  /** The gateway's signed self-description (GatewayKeys). */
  readonly gatewayKeys: string;
  /** The offer's policy capsule (JCS bytes). */
  readonly policy: string;
  /** Each step's permit, signature and digest, as the keeper submits them. */
  readonly permits: string;
  /** Each step's StepAttestation and verifier signature. */
  readonly attestations: string;
  /** The verifier service's records of what it signed (one per step, never a second certificate). */
  readonly verifierRecords: string;
  /** The keeper's cursor (next block, pending steps) and its JSON log. */
  readonly keeperCursor: string;
  readonly keeperLog: string;
  /** The gateway's anchor records (one EvidenceAnchor epoch a line). */
  readonly anchors: string;
  /** The exported evidence bundle. */
  readonly bundle: string;
  /** What an auditor pins to verify the bundle: issuer key, log key, TSA chain, witness policy (public only). */
  readonly pins: string;
  /** The demo witness's state (the last checkpoint it cosigned). */
  readonly witness: string;
  readonly summary: string;
  readonly story: string;
}

/** The layout under `root`. */
export function outputLayout(root: string): OutputLayout {
  return {
    root,
    evidence: path.join(root, "evidence"),
    trustedRoot: path.join(root, "trusted_root.json"),
    receipts: path.join(root, "receipts.ndjson"),
    gatewayLog: path.join(root, "gateway.log"),
    gatewayKeys: path.join(root, "gateway-keys.json"),
    policy: path.join(root, "policy.json"),
    permits: path.join(root, "permits"),
    attestations: path.join(root, "attestations"),
    verifierRecords: path.join(root, "verifier-records"),
    keeperCursor: path.join(root, "keeper-cursor.json"),
    keeperLog: path.join(root, "keeper.log"),
    anchors: path.join(root, "anchors.ndjson"),
    bundle: path.join(root, "bundle"),
    pins: path.join(root, "pins"),
    witness: path.join(root, "witness"),
    summary: path.join(root, "summary.json"),
    story: path.join(root, "story.txt"),
  };
}

/**
 * Makes `root` an empty output folder. An existing non-empty folder is replaced only when an earlier demo wrote
 * it (it holds the marker file); anything else is refused, so `--out` can never wipe a folder it did not make.
 */
export async function prepareOutputDir(root: string): Promise<OutputLayout> {
  if (existsSync(root)) {
    const entries = await readdir(root);
    if (entries.length > 0) {
      if (!entries.includes(DEMO_MARKER)) {
        throw new Error(`refusing to write into ${root}: it is not empty and no earlier demo wrote it`);
      }
      await rm(root, { recursive: true, force: true });
    }
  }
  const layout = outputLayout(root);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, DEMO_MARKER), "written by npm run demo; replaced by the next run\n");
  await Promise.all(
    [layout.evidence, layout.permits, layout.attestations, layout.verifierRecords, layout.pins, layout.witness].map(
      (d) => mkdir(d, { recursive: true }),
    ),
  );
  return layout;
}

/** How a path is shown: relative when under the working folder, else absolute. */
export function shownPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
