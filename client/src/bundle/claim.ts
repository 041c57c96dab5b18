import { z } from "zod";
import { canonicalJson } from "../protocol/jcs";
import { CLAIM_VERSION, LAYERS } from "./layout";
import { fail } from "./codes";

const dec = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const address = z.string().regex(/^0x[0-9a-f]{40}$/);
const relPath = z.string().min(1).max(512);

const claimSchema = z.strictObject({
  version: z.string(),
  /** The claim signer: receiptKid-style RFC 7638 thumbprint of its Ed25519 key. */
  issuer: z.strictObject({ keyid: hex32 }),
  subject: z.strictObject({
    kind: z.enum(["entitlement", "run"]),
    chainId: dec,
    market: address,
    entitlementId: dec,
    runId: dec.optional(),
  }),
  issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  receipts: z.strictObject({
    /** The gateway's CAIP-10 issuer every receipt names. */
    issuer: z.string().max(128),
    /** receiptKid of the key in force at firstSeq (the genesis key when firstSeq is 0). */
    keyid: hex32,
    firstSeq: dec,
    lastSeq: dec,
    firstPrev: hex32,
    /** sha256 of receipts/receipts.ndjson. */
    sha256: hex32,
    /** Whether the receipts are a subset of the log (not the whole tree the checkpoint covers). */
    partial: z.boolean(),
  }),
  /** The proof layers the claim declares; a declared layer whose material is missing is never silently dropped. */
  layers: z.array(z.enum(LAYERS)).max(LAYERS.length),
  /** The log: its origin and the checkpoint the bundle's receipts are proven against. */
  log: z.strictObject({ origin: z.string().min(1).max(256), treeSize: dec, root: hex32 }).optional(),
  /** k of the witnesses listed in trust/witnesses.txt must have cosigned the checkpoint. */
  witnessThreshold: dec.optional(),
  /** sha256 of each trust/ and artifacts/ file the claim relies on, by bundle path. */
  files: z.record(relPath, hex32),
});

/** CLAIM.json: the signed assertion (issuer, subject, scope) and the digests that bind the rest of the bundle. */
export type BundleClaim = z.infer<typeof claimSchema>;

/** Parses CLAIM.json's bytes: JSON in JCS form, a supported version, every field present and well-formed. */
export function parseClaim(bytes: Buffer): BundleClaim {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.json to be JSON", cause);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.json to be an object");
  }
  const version = (value as { version?: unknown }).version;
  if (version === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected CLAIM.json to carry version");
  if (version !== CLAIM_VERSION) {
    fail(
      "FAILURE_SCHEMA_VERSION_UNSUPPORTED",
      `expected version ${CLAIM_VERSION}, got ${String(version).slice(0, 64)}`,
    );
  }
  if (canonicalJson(value) !== bytes.toString("utf8")) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.json in RFC 8785 (JCS) canonical form");
  }
  const parsed = claimSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join(".");
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    fail(
      missing ? "FAILURE_REQUIRED_FIELD_MISSING" : "FAILURE_BUNDLE_MALFORMED",
      `CLAIM.json ${path}: ${issue.message}`,
    );
  }
  const claim = parsed.data;
  if (BigInt(claim.receipts.lastSeq) < BigInt(claim.receipts.firstSeq)) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected receipts.lastSeq ≥ receipts.firstSeq");
  }
  const { kind, runId } = claim.subject;
  if (kind === "run" && runId === undefined)
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected subject.runId in a claim about a run");
  if (kind === "entitlement" && runId !== undefined)
    fail("FAILURE_BUNDLE_MALFORMED", "expected no subject.runId in a claim about an entitlement");
  for (const layer of ["transparency", "witness"] as const) {
    if (claim.layers.includes(layer) && claim.log === undefined) {
      fail("FAILURE_REQUIRED_FIELD_MISSING", `expected log in a claim that declares ${layer}`);
    }
  }
  if (claim.layers.includes("witness") && claim.witnessThreshold === undefined) {
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected witnessThreshold in a claim that declares witness");
  }
  return claim;
}

/** CLAIM.json's bytes: the JCS form of the claim. */
export function claimBytes(claim: BundleClaim): Buffer {
  return Buffer.from(canonicalJson(claim), "utf8");
}
