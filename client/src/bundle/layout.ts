/** The bundle's file names: the seed layout, extended by `proofs/` and extra `trust/` files. */
export const BUNDLE_FILES = {
  manifest: "MANIFEST.json",
  claim: "CLAIM.json",
  claimDsse: "CLAIM.dsse.json",
  claimDsseSha256: "CLAIM.dsse.sha256",
  claimIntoto: "CLAIM.intoto.json",
  root: "ROOT.txt",
  receipts: "receipts/receipts.ndjson",
  orgKey: "trust/org-signing-pubkey.pem",
  receiptKey: "trust/receipt-signing-pubkey.pem",
  tsaChain: "trust/tsa-cert-chain.pem",
  logKey: "trust/log-pubkey.pem",
  witnesses: "trust/witnesses.txt",
  gatewayKeys: "trust/gateway-keys.json",
  timestamp: "TIMESTAMP.tsr",
  timestampMeta: "TIMESTAMP.meta.json",
  checkpoint: "proofs/checkpoint.txt",
  inclusion: "proofs/inclusion.json",
  anchor: "proofs/anchor.json",
} as const;

/** Files every bundle carries (the seed's "required" artifacts). */
export const REQUIRED_FILES: readonly string[] = [
  BUNDLE_FILES.manifest,
  BUNDLE_FILES.claim,
  BUNDLE_FILES.claimDsse,
  BUNDLE_FILES.receipts,
  BUNDLE_FILES.orgKey,
];

/** The DSSE payloadType of CLAIM.dsse.json. */
export const CLAIM_PAYLOAD_TYPE = "application/vnd.swarm.bundle-claim+json";
/** CLAIM.json's version. */
export const CLAIM_VERSION = "swarm/bundle-claim/v1";
/** MANIFEST.json's version. */
export const MANIFEST_VERSION = "swarm/bundle-manifest/v1";
/** in-toto predicate type of CLAIM.intoto.json. */
export const CLAIM_PREDICATE_TYPE = CLAIM_VERSION;

/** Proof layers a claim may declare, weakest first. */
export const LAYERS = ["timestamp", "transparency", "witness", "anchor"] as const;
/** One declarable layer. */
export type Layer = (typeof LAYERS)[number];

/** Whether the signed claim binds `path` by digest: trust/ and artifacts/ files (the issuer key excepted, the claim
 *  names it by keyid) and the anchor record. Checkpoints and proofs verify on their own. */
export function isBoundPath(path: string): boolean {
  if (path === BUNDLE_FILES.orgKey) return false;
  return path.startsWith("trust/") || path.startsWith("artifacts/") || path === BUNDLE_FILES.anchor;
}
