import type { KeyObject } from "node:crypto";
import { ProtocolError } from "../../protocol/errors";
import {
  type WitnessPolicy,
  ed25519NoteVerifier,
  openCheckpoint,
  parseNote,
  verifyInclusion,
  verifyWitnessQuorum,
  witnessVerifierFromKey,
} from "../../protocol/transparency";
import { type BundleFailureCode, BUNDLE_FAILURE_CODES, fail, missingTrust } from "../codes";
import { type BundleContext, fileOf, receiptLeaves, receiptRoot } from "../context";
import { readEd25519Pem } from "../keys";
import { BUNDLE_FILES } from "../layout";
import type { CheckOutcome } from "../report";

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

/** Maps a transparency error to the bundle vocabulary (malformed notes and keys are malformed bundles). */
function rethrow(err: unknown): never {
  if (!(err instanceof ProtocolError)) throw err;
  const code = (BUNDLE_FAILURE_CODES as readonly string[]).includes(err.code)
    ? (err.code as BundleFailureCode)
    : "FAILURE_BUNDLE_MALFORMED";
  fail(code, `${err.code}: ${err.message}`, err);
}

function declared(ctx: BundleContext, layer: "transparency" | "witness"): boolean {
  return ctx.claim?.layers.includes(layer) ?? false;
}

function logKey(ctx: BundleContext): KeyObject | undefined {
  if (ctx.options.pins.logKey !== undefined) return ctx.options.pins.logKey;
  const pem = fileOf(ctx, BUNDLE_FILES.logKey);
  // Bound by the signed claim (checked in claim-bindings), so it counts only as far as the claim does.
  return pem === undefined ? undefined : readEd25519Pem(pem, "trust/log-pubkey.pem");
}

/**
 * Verifies proofs/checkpoint.txt: a signed note by the log key (pinned, or claim-bound trust/log-pubkey.pem)
 * for the claim's log origin (FAILURE_SIGNATURE_INVALID, FAILURE_WITNESS_LINEAGE_MISMATCH), whose size and root
 * are the claim's (FAILURE_INCLUSION_INVALID: a checkpoint of a fork).
 */
export function verifyCheckpoint(ctx: BundleContext): CheckOutcome {
  const log = ctx.claim?.log;
  const note = fileOf(ctx, BUNDLE_FILES.checkpoint);
  if (log === undefined || note === undefined) {
    if (declared(ctx, "transparency")) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected proofs/checkpoint.txt");
    return { status: "unchecked", detail: "no checkpoint: publication not established" };
  }
  const key = logKey(ctx);
  if (key === undefined) {
    if (declared(ctx, "transparency"))
      missingTrust("TRUST_MATERIAL_MISSING", "expected the log key (trust/log-pubkey.pem or a pin)");
    return { status: "unchecked", detail: "no log key" };
  }
  try {
    ctx.checkpoint = openCheckpoint(note, ed25519NoteVerifier(log.origin, key), log.origin);
  } catch (err) {
    rethrow(err);
  }
  ctx.checkpointNote = note.toString("utf8");
  const cp = ctx.checkpoint.checkpoint;
  if (String(cp.treeSize) !== log.treeSize || hex(cp.rootHash) !== log.root) {
    fail(
      "FAILURE_INCLUSION_INVALID",
      `expected the checkpoint of ${log.treeSize} leaves with root ${log.root}: a fork?`,
    );
  }
  return { status: "passed", detail: `checkpoint ${log.origin} size ${cp.treeSize} signed by the log` };
}

function parseInclusion(bytes: Buffer): { seq: number; proof: Uint8Array[] }[] {
  try {
    const doc = JSON.parse(bytes.toString("utf8")) as { proofs?: { seq?: unknown; proof?: unknown }[] };
    if (!Array.isArray(doc.proofs)) throw new TypeError("proofs");
    return doc.proofs.map((p) => {
      if (typeof p.seq !== "string" || !Array.isArray(p.proof)) throw new TypeError("entry");
      return { seq: Number(p.seq), proof: (p.proof as unknown[]).map((h) => Buffer.from(String(h).slice(2), "hex")) };
    });
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected proofs/inclusion.json {proofs:[{seq, proof:[0x…]}]}", cause);
  }
}

/**
 * Proves the receipts are in the checkpoint's tree: a whole log is re-hashed to the root; a partial one carries an
 * RFC 9162 inclusion proof per line in proofs/inclusion.json (FAILURE_INCLUSION_INVALID).
 */
export function verifyReceiptInclusion(ctx: BundleContext): CheckOutcome {
  const cp = ctx.checkpoint?.checkpoint;
  const lines = ctx.receipts?.lines;
  const claim = ctx.claim;
  if (cp === undefined || lines === undefined || claim === undefined) {
    if (declared(ctx, "transparency") && ctx.checkpoint === undefined)
      missingTrust("TRUST_MATERIAL_MISSING", "no verified checkpoint");
    return { status: "unchecked", detail: "no verified checkpoint or receipts" };
  }
  const first = Number(claim.receipts.firstSeq);
  if (first + lines.length > cp.treeSize)
    fail("FAILURE_INCLUSION_INVALID", "expected the receipts inside the checkpoint's tree");
  const leaves = receiptLeaves(ctx);
  const whole = first === 0 && lines.length === cp.treeSize;
  if (claim.receipts.partial === whole) {
    // The signed claim says whole (or partial) and the checkpoint says otherwise: the claim misstates its scope.
    fail(
      "FAILURE_INCLUSION_INVALID",
      `expected partial=${!whole}: ${lines.length} receipts from seq ${first} of a tree of ${cp.treeSize}`,
    );
  }
  ctx.partial = ctx.partial || !whole;
  if (whole) {
    if (hex(receiptRoot(ctx)) !== hex(cp.rootHash))
      fail("FAILURE_INCLUSION_INVALID", "expected the receipts to hash to the checkpoint root");
    return { status: "passed", detail: `all ${lines.length} receipts hash to the checkpoint root` };
  }
  const bytes = fileOf(ctx, BUNDLE_FILES.inclusion);
  if (bytes === undefined)
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected proofs/inclusion.json for a partial bundle");
  const proofs = parseInclusion(bytes);
  if (proofs.length !== lines.length)
    fail("FAILURE_INCLUSION_INVALID", `expected ${lines.length} inclusion proofs, got ${proofs.length}`);
  try {
    proofs.forEach((p, i) => {
      if (p.seq !== first + i)
        fail("FAILURE_INCLUSION_INVALID", `expected the proof of seq ${first + i}, got ${p.seq}`);
      verifyInclusion({ leafHash: leaves[i]!, index: p.seq, treeSize: cp.treeSize, proof: p.proof, root: cp.rootHash });
    });
  } catch (err) {
    rethrow(err);
  }
  return { status: "passed", detail: `${lines.length} inclusion proofs into the tree of ${cp.treeSize}` };
}

/**
 * The pinned witness policy. trust/witnesses.txt and the claim's witnessThreshold never count: witnesses the
 * claim's issuer picks could be its own, and a witness is worth something only when it is independent of it.
 */
function witnessPolicy(ctx: BundleContext): WitnessPolicy | undefined {
  const origin = ctx.claim?.log?.origin ?? "";
  const notAfter = Math.floor(ctx.options.clock().getTime() / 1000) + 300;
  const pinned = ctx.options.pins.witnessPolicy;
  if (pinned === undefined) return undefined;
  try {
    return {
      origin: pinned.origin ?? origin,
      threshold: pinned.threshold,
      witnesses: pinned.witnesses.map(witnessVerifierFromKey),
      notAfter,
    };
  } catch (err) {
    rethrow(err);
  }
}

/**
 * Checks the checkpoint's witness cosignatures against the pinned k-of-n policy: FAILURE_WITNESS_LINEAGE_MISMATCH,
 * FAILURE_WITNESS_INVALID, FAILURE_WITNESS_QUORUM_UNSATISFIED. A claim that declares witness without a pinned
 * policy is indeterminate (TRUST_MATERIAL_MISSING).
 */
export function verifyWitnesses(ctx: BundleContext): CheckOutcome {
  const required = declared(ctx, "witness") || ctx.options.pins.witnessPolicy !== undefined;
  const policy = witnessPolicy(ctx);
  if (policy === undefined) {
    if (required) missingTrust("TRUST_MATERIAL_MISSING", "expected a pinned witness policy (--witness-policy)");
    return { status: "unchecked", detail: "no pinned witness policy" };
  }
  if (ctx.checkpoint === undefined || ctx.checkpointNote === undefined) {
    // The checkpoint check already failed (invalid) or lacked its trust material (indeterminate): say which, once.
    if (required) missingTrust("TRUST_MATERIAL_MISSING", "expected a verified checkpoint to count witnesses on");
    return { status: "unchecked", detail: "no verified checkpoint" };
  }
  try {
    const note = parseNote(ctx.checkpointNote);
    const result = verifyWitnessQuorum(note.text, note.signatures, policy);
    return {
      status: "passed",
      detail: `${result.cosignatures.length} of ${policy.witnesses.length} witnesses cosigned (k=${policy.threshold})`,
    };
  } catch (err) {
    rethrow(err);
  }
}
