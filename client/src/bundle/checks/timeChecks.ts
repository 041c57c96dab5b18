import { createHash } from "node:crypto";
import { ProtocolError } from "../../protocol/errors";
import { sha256Hex } from "../../protocol/jcs";
import { fail, missingTrust } from "../codes";
import { type AnchorRecord, type BundleContext, fileOf } from "../context";
import { BUNDLE_FILES } from "../layout";
import type { CheckOutcome } from "../report";
import { rfc3161Verifier } from "../rfc3161";

function declared(ctx: BundleContext, layer: "timestamp" | "anchor"): boolean {
  return ctx.claim?.layers.includes(layer) ?? false;
}

/**
 * Verifies TIMESTAMP.tsr: an RFC 3161 token over sha256(CLAIM.dsse.json) from the TSA whose chain is pinned
 * (FAILURE_TIMESTAMP_INVALID), not issued before the claim (verifyIssuedBefore), and TIMESTAMP.meta.json's digest
 * (FAILURE_DIGEST_MISMATCH). A declared timestamp without a pinned chain is indeterminate (TRUST_MATERIAL_MISSING).
 */
export async function verifyTimestamp(ctx: BundleContext): Promise<CheckOutcome> {
  const tsr = fileOf(ctx, BUNDLE_FILES.timestamp);
  const envelope = fileOf(ctx, BUNDLE_FILES.claimDsse);
  const required = declared(ctx, "timestamp");
  if (tsr === undefined || envelope === undefined) {
    if (required) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected TIMESTAMP.tsr");
    return { status: "unchecked", detail: "no timestamp: trusted time not established" };
  }
  const digest = createHash("sha256").update(envelope).digest();
  const meta = fileOf(ctx, BUNDLE_FILES.timestampMeta);
  if (meta !== undefined) {
    let m: { digest?: unknown; target?: unknown };
    try {
      m = JSON.parse(meta.toString("utf8")) as typeof m;
    } catch (cause) {
      fail("FAILURE_BUNDLE_MALFORMED", "expected TIMESTAMP.meta.json to be JSON", cause);
    }
    const keys = Object.keys(m)
      .filter((k) => k !== "tsaUrl")
      .sort()
      .join(",");
    const extra = m as { digestAlgorithm?: unknown; tsaUrl?: unknown };
    const wellFormed =
      keys === "digest,digestAlgorithm,target" &&
      extra.digestAlgorithm === "sha256" &&
      (extra.tsaUrl === undefined || typeof extra.tsaUrl === "string");
    if (!wellFormed)
      fail(
        "FAILURE_BUNDLE_MALFORMED",
        "expected TIMESTAMP.meta.json {digest, digestAlgorithm: sha256, target, tsaUrl?}",
      );
    if (m.digest !== sha256Hex(envelope) || m.target !== BUNDLE_FILES.claimDsse) {
      fail("FAILURE_DIGEST_MISMATCH", "expected TIMESTAMP.meta.json to name sha256 of CLAIM.dsse.json");
    }
  }
  // Only a pinned chain counts: a TSA the claim's own issuer picks (trust/tsa-cert-chain.pem) could be its own,
  // and trusted time is worth something only when it does not rest on the issuer's word.
  const chain = ctx.options.pins.tsaChainPem;
  const verifier = ctx.options.timestampVerifier ?? rfc3161Verifier;
  if (chain === undefined) {
    if (required) missingTrust("TRUST_MATERIAL_MISSING", "expected a pinned TSA certificate chain (--tsa-chain)");
    return { status: "unchecked", detail: "timestamp present, no pinned TSA chain" };
  }
  let genTime: Date;
  try {
    ({ genTime } = await verifier(tsr, digest, chain));
  } catch (err) {
    const why = err instanceof ProtocolError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
    fail("FAILURE_TIMESTAMP_INVALID", `expected an RFC 3161 token over CLAIM.dsse.json: ${why.slice(0, 300)}`, err);
  }
  verifyIssuedBefore(ctx.claim?.issuedAt, genTime);
  return { status: "passed", detail: `CLAIM.dsse.json existed at ${genTime.toISOString()}` };
}

/** How far a claim's issuedAt may be after the TSA's genTime: clock skew between exporter and TSA, in ms. */
export const TIMESTAMP_LEEWAY_MS = 60_000;

/**
 * Checks that the claim was not issued after the time the TSA saw it (genTime + TIMESTAMP_LEEWAY_MS): a token
 * proves the claim existed at genTime, so a later issuedAt means the claim and its timestamp do not belong
 * together (FAILURE_TIMESTAMP_INVALID, genTime in the message).
 */
export function verifyIssuedBefore(issuedAt: string | undefined, genTime: Date): void {
  const issued = issuedAt === undefined ? Number.NaN : Date.parse(issuedAt);
  if (!Number.isFinite(issued) || !Number.isFinite(genTime.getTime())) {
    fail("FAILURE_TIMESTAMP_INVALID", "expected the claim's issuedAt and the token's genTime to be times");
  }
  if (issued > genTime.getTime() + TIMESTAMP_LEEWAY_MS) {
    fail(
      "FAILURE_TIMESTAMP_INVALID",
      `claim issuedAt ${issuedAt} is after the timestamp's genTime ${genTime.toISOString()} ` +
        `(+${TIMESTAMP_LEEWAY_MS / 1000} s leeway): the token is not over this claim's issuance`,
    );
  }
}

const ANCHOR_FIELDS = [
  "blockNumber",
  "chainId",
  "contract",
  "epoch",
  "issuer",
  "prevRoot",
  "root",
  "transactionHash",
  "treeSize",
];
const ANCHOR_HEX: Record<string, RegExp> = {
  contract: /^0x[0-9a-f]{40}$/,
  issuer: /^0x[0-9a-f]{40}$/,
  root: /^0x[0-9a-f]{64}$/,
  prevRoot: /^0x[0-9a-f]{64}$/,
  transactionHash: /^0x[0-9a-f]{64}$/,
};

function parseAnchor(bytes: Buffer): AnchorRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected proofs/anchor.json to be JSON", cause);
  }
  const ok =
    r !== null &&
    typeof r === "object" &&
    Object.keys(r).sort().join(",") === ANCHOR_FIELDS.join(",") &&
    ANCHOR_FIELDS.every(
      (k) => typeof r[k] === "string" && (ANCHOR_HEX[k] ?? /^(0|[1-9][0-9]{0,19})$/).test(r[k] as string),
    );
  if (!ok) fail("FAILURE_BUNDLE_MALFORMED", `expected proofs/anchor.json {${ANCHOR_FIELDS.join(", ")}}`);
  return r as unknown as AnchorRecord;
}

/**
 * Checks proofs/anchor.json: the anchored root and size are the claim's log root (FAILURE_INCLUSION_INVALID), and,
 * with a chain reader (`--chain`), that the chain holds that epoch with that root. Without one the record is
 * reported, unchecked.
 */
export async function verifyAnchor(ctx: BundleContext): Promise<CheckOutcome> {
  const bytes = fileOf(ctx, BUNDLE_FILES.anchor);
  const log = ctx.claim?.log;
  if (bytes === undefined || log === undefined) {
    if (declared(ctx, "anchor")) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected proofs/anchor.json");
    return { status: "unchecked", detail: "no anchor record" };
  }
  const record = parseAnchor(bytes);
  if (record.root !== log.root || record.treeSize !== log.treeSize) {
    fail("FAILURE_INCLUSION_INVALID", "expected the anchored root to be the claim's log root");
  }
  const reader = ctx.options.anchorReader;
  if (reader === undefined)
    return { status: "unchecked", detail: `recorded anchor epoch ${record.epoch} (no --chain: not read on-chain)` };
  const onChain = await reader(record);
  if (onChain !== record.root) {
    fail("FAILURE_INCLUSION_INVALID", `expected epoch ${record.epoch} on-chain with root ${record.root}`);
  }
  return { status: "passed", detail: `root anchored on-chain at epoch ${record.epoch}` };
}
