import type { KeyObject } from "node:crypto";
import { verifyTypedData } from "viem";
import { gatewayKeysTypes, marketDomain } from "../../protocol/eip712";
import { canonicalJson, sha256Hex } from "../../protocol/jcs";
import { digestOf } from "../bundleDir";
import { claimDigestLine, verifyClaimSignature } from "../claimEnvelope";
import { parseClaim } from "../claim";
import { fail, missingTrust } from "../codes";
import { type BundleContext, fileOf } from "../context";
import { keyId, readEd25519Pem } from "../keys";
import { BUNDLE_FILES, CLAIM_PREDICATE_TYPE, REQUIRED_FILES, isBoundPath } from "../layout";
import type { CheckOutcome } from "../report";

/** Throws FAILURE_REQUIRED_FIELD_MISSING unless every required artifact is present. */
export function verifyRequiredFiles(ctx: BundleContext): CheckOutcome {
  const missing = REQUIRED_FILES.filter((p) => fileOf(ctx, p) === undefined);
  if (missing.length > 0) fail("FAILURE_REQUIRED_FIELD_MISSING", `expected ${missing.join(", ")}`);
  return { status: "passed", detail: `${REQUIRED_FILES.length} required files present` };
}

function verifyIntoto(ctx: BundleContext, claimBytes: Buffer): void {
  const bytes = fileOf(ctx, BUNDLE_FILES.claimIntoto);
  if (bytes === undefined) return;
  let st: {
    _type?: unknown;
    subject?: { name?: unknown; digest?: { sha256?: unknown } }[];
    predicateType?: unknown;
    predicate?: unknown;
  };
  try {
    st = JSON.parse(bytes.toString("utf8")) as typeof st;
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.intoto.json to be JSON", cause);
  }
  const digest = sha256Hex(claimBytes).slice(2);
  const subject = Array.isArray(st.subject) && st.subject.length === 1 ? st.subject[0] : undefined;
  const keys = Object.keys(st).sort().join(",");
  if (
    keys !== "_type,predicate,predicateType,subject" ||
    st._type !== "https://in-toto.io/Statement/v1" ||
    st.predicateType !== CLAIM_PREDICATE_TYPE ||
    subject === undefined ||
    subject.name !== BUNDLE_FILES.claim
  ) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected CLAIM.intoto.json to be an in-toto Statement v1 of the claim");
  }
  if (subject.digest?.sha256 !== digest || canonicalJson(st.predicate ?? null) !== claimBytes.toString("utf8")) {
    fail("FAILURE_DIGEST_MISMATCH", "expected CLAIM.intoto.json's subject and predicate to be CLAIM.json");
  }
}

/** "entitlement 7" or "run 27476101517 of entitlement 7". */
function subjectLabel(subject: { kind: string; entitlementId: string; runId?: string | undefined }): string {
  return subject.kind === "run"
    ? `run ${subject.runId ?? "?"} of entitlement ${subject.entitlementId}`
    : `entitlement ${subject.entitlementId}`;
}

/** Parses CLAIM.json, and checks CLAIM.dsse.sha256 and CLAIM.intoto.json against it when present. */
export function verifyClaimDocument(ctx: BundleContext): CheckOutcome {
  const bytes = fileOf(ctx, BUNDLE_FILES.claim);
  if (bytes === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected CLAIM.json");
  ctx.claim = parseClaim(bytes);
  ctx.claimBytes = bytes;
  ctx.partial = ctx.claim.receipts.partial;
  verifyIntoto(ctx, bytes);
  const envelope = fileOf(ctx, BUNDLE_FILES.claimDsse);
  const digestLine = fileOf(ctx, BUNDLE_FILES.claimDsseSha256);
  if (digestLine === undefined && ctx.claim.layers.includes("timestamp")) {
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected CLAIM.dsse.sha256 in a claim that declares timestamp");
  }
  if (
    digestLine !== undefined &&
    (envelope === undefined || digestLine.toString("utf8") !== claimDigestLine(envelope))
  ) {
    fail("FAILURE_DIGEST_MISMATCH", "expected CLAIM.dsse.sha256 to be the sha256 of CLAIM.dsse.json");
  }
  return {
    status: "passed",
    detail: `claim ${subjectLabel(ctx.claim.subject)}, layers [${ctx.claim.layers.join(",")}]`,
  };
}

async function gatewayPinnedKey(ctx: BundleContext): Promise<KeyObject> {
  const gateway = ctx.options.pins.gateway!;
  const subject = ctx.claim!.subject;
  if (subject.chainId !== String(gateway.chainId) || subject.market !== gateway.market.toLowerCase()) {
    // The pin speaks for one market on one chain: a claim about another is not this gateway's to vouch for.
    fail(
      "FAILURE_IDENTITY_MISMATCH",
      `expected a claim about market ${gateway.market.toLowerCase()} on chain ${gateway.chainId}, ` +
        `got ${subject.market} on chain ${subject.chainId}`,
    );
  }
  const doc = fileOf(ctx, BUNDLE_FILES.gatewayKeys);
  const keyPem = fileOf(ctx, BUNDLE_FILES.receiptKey);
  if (doc === undefined || keyPem === undefined) {
    missingTrust(
      "TRUST_MATERIAL_MISSING",
      "expected trust/gateway-keys.json and trust/receipt-signing-pubkey.pem for the gateway pin",
    );
  }
  let parsed: { message?: Record<string, unknown>; signature?: unknown };
  try {
    parsed = JSON.parse(doc.toString("utf8")) as typeof parsed;
  } catch (cause) {
    fail("FAILURE_BUNDLE_MALFORMED", "expected trust/gateway-keys.json to be JSON", cause);
  }
  const m = parsed.message ?? {};
  const key = readEd25519Pem(keyPem, "trust/receipt-signing-pubkey.pem");
  const domain = marketDomain(gateway.chainId, gateway.market);
  const ok = await verifyTypedData({
    address: gateway.address,
    domain,
    types: gatewayKeysTypes,
    primaryType: "GatewayKeys",
    message: {
      gateway: String(m.gateway) as `0x${string}`,
      netCapKid: String(m.netCapKid) as `0x${string}`,
      receiptKid: String(m.receiptKid) as `0x${string}`,
      notBefore: /^[0-9]{1,20}$/.test(String(m.notBefore)) ? BigInt(String(m.notBefore)) : -1n,
    },
    signature: String(parsed.signature) as `0x${string}`,
  }).catch(() => false);
  if (!ok || String(m.gateway).toLowerCase() !== gateway.address.toLowerCase()) {
    fail("FAILURE_SIGNATURE_INVALID", `expected GatewayKeys signed by the pinned gateway ${gateway.address}`);
  }
  if (m.receiptKid !== keyId(key)) fail("FAILURE_IDENTITY_MISMATCH", "expected the receipt key GatewayKeys names");
  return key;
}

/**
 * Verifies the claim's signature against the pinned issuer (a key, or the gateway's GatewayKeys identity). Without a
 * pin, verifies it against trust/org-signing-pubkey.pem only to say whose claim it is, and is indeterminate.
 */
export async function verifyClaimIssuer(ctx: BundleContext): Promise<CheckOutcome> {
  const claim = ctx.claim;
  const envelope = fileOf(ctx, BUNDLE_FILES.claimDsse);
  if (claim === undefined || ctx.claimBytes === undefined || envelope === undefined) {
    fail("FAILURE_REQUIRED_FIELD_MISSING", "expected CLAIM.json and CLAIM.dsse.json");
  }
  // The shipped key only identifies, but it must identify the claim's issuer: a bundle that names one key and
  // ships another is not coherent, whoever is pinned.
  const shipped = fileOf(ctx, BUNDLE_FILES.orgKey);
  if (shipped === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected trust/org-signing-pubkey.pem");
  const key = readEd25519Pem(shipped, "trust/org-signing-pubkey.pem");
  if (claim.issuer.keyid !== keyId(key))
    fail("FAILURE_IDENTITY_MISMATCH", "expected trust/org-signing-pubkey.pem to be the claim issuer's key");
  const { pins } = ctx.options;
  const pinned = pins.issuerKey ?? (pins.gateway !== undefined ? await gatewayPinnedKey(ctx) : undefined);
  if (pinned !== undefined) {
    if (claim.issuer.keyid !== keyId(pinned)) {
      fail(
        "FAILURE_SIGNATURE_INVALID",
        `expected a claim of the pinned issuer ${keyId(pinned)}, got ${claim.issuer.keyid}`,
      );
    }
    ctx.issuerKeyid = verifyClaimSignature(envelope, ctx.claimBytes, pinned);
    ctx.issuerPinned = true;
    return { status: "passed", detail: `signed by the pinned issuer ${ctx.issuerKeyid}` };
  }
  ctx.issuerKeyid = verifyClaimSignature(envelope, ctx.claimBytes, key);
  missingTrust(
    "TRUST_ISSUER_UNPINNED",
    `signed by ${ctx.issuerKeyid}, which no pin names: pass --pin-key or --gateway-keys-from-chain`,
  );
}

/**
 * Checks that every trust/ and artifacts/ file and the anchor record is bound by the claim (its sha256 in claim.files), and that every
 * bound file present has that digest (FAILURE_DIGEST_MISMATCH). Absent bound trust files are left to their layer.
 */
export function verifyClaimBindings(ctx: BundleContext): CheckOutcome {
  const claim = ctx.claim;
  if (claim === undefined) fail("FAILURE_REQUIRED_FIELD_MISSING", "expected a parsed CLAIM.json");
  let bound = 0;
  for (const [path, data] of ctx.bundle.files) {
    const inScope = isBoundPath(path);
    if (!inScope || path === BUNDLE_FILES.orgKey) continue;
    const expected = claim.files[path];
    if (expected === undefined) fail("FAILURE_BUNDLE_MALFORMED", `${path} is not bound by the claim`);
    if (digestOf(data) !== expected)
      fail("FAILURE_DIGEST_MISMATCH", `${path}: expected sha256 ${expected} (from the claim)`);
    bound += 1;
  }
  for (const path of Object.keys(claim.files)) {
    if (path.startsWith("artifacts/") && fileOf(ctx, path) === undefined)
      fail("FAILURE_REQUIRED_FIELD_MISSING", `expected ${path}`);
  }
  return { status: "passed", detail: `${bound} files bound by the claim` };
}
