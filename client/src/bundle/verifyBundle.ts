import { readBundleDir } from "./bundleDir";
import { verifyClaimBindings, verifyClaimDocument, verifyClaimIssuer, verifyRequiredFiles } from "./checks/claimChecks";
import { verifyCheckpoint, verifyReceiptInclusion, verifyWitnesses } from "./checks/logChecks";
import { verifyReceiptChain, verifyRootFile } from "./checks/receiptChecks";
import { verifyAnchor, verifyTimestamp } from "./checks/timeChecks";
import type { BundleContext, VerifyBundleOptions } from "./context";
import { verifyManifest } from "./manifest";
import {
  BUNDLE_REPORT_VERSION,
  type BundleCheck,
  type BundleReport,
  type Strength,
  runCheck,
  statusOf,
} from "./report";

function passed(checks: readonly BundleCheck[], ...names: string[]): boolean {
  return names.every((n) => checks.find((c) => c.name === n)?.status === "passed");
}

/** The strength the passed checks establish: signed < timestamped < published < witnessed (seed 001). */
export function strengthOf(checks: readonly BundleCheck[]): Strength {
  if (!passed(checks, "manifest", "claim", "claim-signature", "claim-bindings", "receipts")) return "none";
  if (passed(checks, "checkpoint", "inclusion", "witnesses")) return "witnessed";
  if (passed(checks, "checkpoint", "inclusion")) return "published";
  if (passed(checks, "timestamp")) return "timestamped";
  return "signed";
}

/**
 * Verifies an evidence bundle directory offline, as a checklist: manifest → required files → claim → claim
 * signature against the pinned issuer → claim bindings → receipt chain → ROOT.txt → checkpoint → inclusion →
 * witnesses → timestamp → anchor. Never throws for a bad bundle: every problem is a check line with its code.
 */
export async function verifyBundle(dir: string, options: VerifyBundleOptions): Promise<BundleReport> {
  const ctx: Partial<BundleContext> & { issuerPinned: boolean; partial: boolean; options: VerifyBundleOptions } = {
    options,
    issuerPinned: false,
    partial: false,
  };
  const checks: BundleCheck[] = [];
  const read = await runCheck("manifest", async () => {
    const bundle = await readBundleDir(dir);
    (ctx as { bundle?: BundleContext["bundle"] }).bundle = bundle;
    const manifest = verifyManifest(bundle);
    return { status: "passed", detail: `${manifest.files.length} files match MANIFEST.json` };
  });
  checks.push(read);
  if (ctx.bundle === undefined) return finish(ctx as BundleContext, checks);
  const c = ctx as BundleContext;
  checks.push(await runCheck("required-files", () => verifyRequiredFiles(c)));
  checks.push(await runCheck("claim", () => verifyClaimDocument(c)));
  if (c.claim === undefined) return finish(c, checks);
  checks.push(await runCheck("claim-signature", () => verifyClaimIssuer(c)));
  checks.push(await runCheck("claim-bindings", () => verifyClaimBindings(c)));
  checks.push(await runCheck("receipts", () => verifyReceiptChain(c)));
  checks.push(await runCheck("root", () => verifyRootFile(c)));
  checks.push(await runCheck("checkpoint", () => verifyCheckpoint(c)));
  checks.push(await runCheck("inclusion", () => verifyReceiptInclusion(c)));
  checks.push(await runCheck("witnesses", () => verifyWitnesses(c)));
  checks.push(await runCheck("timestamp", () => verifyTimestamp(c)));
  checks.push(await runCheck("anchor", () => verifyAnchor(c)));
  return finish(c, checks);
}

/** The entries of `o` whose value is defined. */
function definedOnly(o: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}

function finish(ctx: BundleContext, checks: BundleCheck[]): BundleReport {
  const { status, code } = statusOf(checks);
  const claim = ctx.claim;
  const report: BundleReport = {
    version: BUNDLE_REPORT_VERSION,
    status,
    strength: status === "invalid" ? "none" : strengthOf(checks),
    ...(code === undefined ? {} : { code }),
    partial: ctx.partial,
    issuer: { ...(ctx.issuerKeyid === undefined ? {} : { keyid: ctx.issuerKeyid }), pinned: ctx.issuerPinned },
    ...(claim === undefined ? {} : { subject: definedOnly(claim.subject) }),
    ...(claim === undefined
      ? {}
      : {
          receipts: {
            firstSeq: claim.receipts.firstSeq,
            lastSeq: claim.receipts.lastSeq,
            count: ctx.receipts?.lines.length ?? 0,
          },
        }),
    checks,
  };
  return report;
}
