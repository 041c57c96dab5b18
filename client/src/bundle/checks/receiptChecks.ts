import { ProtocolError } from "../../protocol/errors";
import { GENESIS_PREV, type Hex, inlineSignatureVerifier, verifyLedgerBytesWith } from "../../protocol/receipts";
import { type BundleFailureCode, fail, missingTrust } from "../codes";
import { digestOf } from "../bundleDir";
import { type BundleContext, fileOf, receiptRoot } from "../context";
import { keyId, readEd25519Pem } from "../keys";
import { BUNDLE_FILES } from "../layout";
import type { CheckOutcome } from "../report";
import { parseRootFile } from "../rootTxt";

const SIGNATURE_CAUSES = new Set(["RECEIPT_SIGNATURE_INVALID", "RECEIPT_KEYID_MISMATCH", "RECEIPT_ROTATION_INVALID"]);

/** The seed failure code of a receipt-chain error. */
export function receiptFailureCode(err: ProtocolError): BundleFailureCode {
  if (err.code === "LEDGER_KEY_MISMATCH") return "FAILURE_SIGNATURE_INVALID";
  if (err.code === "LEDGER_ISSUER_MISMATCH") return "FAILURE_IDENTITY_MISMATCH";
  const cause = err.cause instanceof ProtocolError ? err.cause.code : undefined;
  if (cause !== undefined && SIGNATURE_CAUSES.has(cause)) return "FAILURE_SIGNATURE_INVALID";
  if (err.code === "LEDGER_CORRUPT" && cause === undefined && /: expected (seq|prev) /.test(err.message)) {
    return "FAILURE_CONTINUITY_BROKEN";
  }
  return "FAILURE_BUNDLE_MALFORMED";
}

/**
 * Verifies receipts/receipts.ndjson: its sha256 is the claim's (FAILURE_DIGEST_MISMATCH); every line is signed by
 * the key in force, starting from the receipt key the claim names (FAILURE_SIGNATURE_INVALID); seq runs from
 * firstSeq to lastSeq without a gap and each prev is the sha256 of the line before (FAILURE_CONTINUITY_BROKEN).
 */
export async function verifyReceiptChain(ctx: BundleContext): Promise<CheckOutcome> {
  const claim = ctx.claim;
  const data = fileOf(ctx, BUNDLE_FILES.receipts);
  if (claim === undefined || data === undefined)
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected CLAIM.json and receipts");
  const r = claim.receipts;
  // The receipt key is trusted because the signed claim names it, or because it is the pinned issuer itself.
  const pem =
    fileOf(ctx, BUNDLE_FILES.receiptKey) ??
    (ctx.claim?.issuer.keyid === r.keyid ? fileOf(ctx, BUNDLE_FILES.orgKey) : undefined);
  if (pem === undefined)
    missingTrust("TRUST_MATERIAL_MISSING", "expected trust/receipt-signing-pubkey.pem to check the receipts");
  const key = readEd25519Pem(pem, "the receipt signing key");
  if (keyId(key) !== r.keyid) fail("FAILURE_IDENTITY_MISMATCH", `expected the receipt key ${r.keyid} the claim names`);
  const firstSeq = Number(r.firstSeq);
  const lastSeq = Number(r.lastSeq);
  if (!Number.isSafeInteger(lastSeq)) fail("FAILURE_BUNDLE_MALFORMED", "expected receipt seqs below 2^53");
  if (firstSeq === 0 && r.firstPrev !== GENESIS_PREV)
    fail("FAILURE_CONTINUITY_BROKEN", "expected the genesis prev at seq 0");
  try {
    const expected = { issuer: r.issuer, key, firstSeq, firstPrev: r.firstPrev as Hex };
    ctx.receipts = await verifyLedgerBytesWith(data, expected, ctx.options.signatures ?? inlineSignatureVerifier);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    fail(receiptFailureCode(err), `${err.code}: ${err.message}`, err);
  }
  const count = ctx.receipts.lines.length;
  // A range that does not start at the genesis line is partial, whatever the claim says.
  ctx.partial = ctx.partial || firstSeq !== 0;
  if (count !== lastSeq - firstSeq + 1) {
    fail(
      "FAILURE_CONTINUITY_BROKEN",
      `expected seq ${firstSeq}..${lastSeq} (${lastSeq - firstSeq + 1} lines), got ${count}`,
    );
  }
  // After the chain: a reordered or cut ledger reports the continuity break, not only a changed digest.
  if (digestOf(data) !== r.sha256)
    fail("FAILURE_DIGEST_MISMATCH", `expected receipts sha256 ${r.sha256} (from the claim)`);
  return { status: "passed", detail: `${count} receipts, seq ${firstSeq}..${lastSeq}, chain and signatures verified` };
}

/**
 * Checks ROOT.txt against what the receipts and the claim say: receipts digest and seq range
 * (FAILURE_DIGEST_MISMATCH), Merkle root and tree size (FAILURE_INCLUSION_INVALID). Absent ROOT.txt is a failure
 * only when the claim declares transparency.
 */
export function verifyRootFile(ctx: BundleContext): CheckOutcome {
  const claim = ctx.claim;
  if (claim === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected a parsed CLAIM.json");
  const text = fileOf(ctx, BUNDLE_FILES.root);
  if (text === undefined) {
    if (claim.layers.includes("transparency")) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected ROOT.txt");
    return { status: "unchecked", detail: "no ROOT.txt" };
  }
  const root = parseRootFile(text.toString("utf8"));
  const receipts = fileOf(ctx, BUNDLE_FILES.receipts);
  if (receipts === undefined || digestOf(receipts) !== root.receiptsSha256)
    fail("FAILURE_DIGEST_MISMATCH", "expected ROOT.txt RECEIPTS_SHA256 to be the receipts file's");
  if (String(root.firstSeq) !== claim.receipts.firstSeq || String(root.maxSeq) !== claim.receipts.lastSeq) {
    fail("FAILURE_DIGEST_MISMATCH", "expected ROOT.txt FIRST_SEQ and MAX_SEQ to be the claim's");
  }
  if (claim.log !== undefined && (root.merkleRoot !== claim.log.root || String(root.treeSize) !== claim.log.treeSize)) {
    fail("FAILURE_INCLUSION_INVALID", "expected ROOT.txt MERKLE_ROOT and TREE_SIZE to be the claim's log root");
  }
  const lines = ctx.receipts?.lines;
  // Without a log the root is over the bundle's own lines; with one, recomputable when they are the whole tree.
  const ownRoot = claim.log === undefined || (root.firstSeq === 0n && root.treeSize === BigInt(lines?.length ?? -1));
  if (claim.log === undefined && root.treeSize !== BigInt(lines?.length ?? root.treeSize)) {
    fail("FAILURE_INCLUSION_INVALID", "expected ROOT.txt TREE_SIZE to be the number of receipts");
  }
  if (lines !== undefined && ownRoot) {
    const computed = `0x${Buffer.from(receiptRoot(ctx)).toString("hex")}`;
    if (computed !== root.merkleRoot)
      fail("FAILURE_INCLUSION_INVALID", `expected MERKLE_ROOT ${computed}, the root of the receipts`);
  }
  return { status: "passed", detail: `root ${root.merkleRoot} of ${root.treeSize} leaves, max seq ${root.maxSeq}` };
}
