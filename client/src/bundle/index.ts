export { BUNDLE_FAILURE_CODES, BUNDLE_INDETERMINATE_CODES, type BundleFailureCode } from "./codes";
export { BUNDLE_FILES, CLAIM_PAYLOAD_TYPE, CLAIM_VERSION, LAYERS, type Layer } from "./layout";
export { type BundleClaim, parseClaim } from "./claim";
export type { AnchorReader, AnchorRecord, BundlePins, TimestampVerifier, VerifyBundleOptions } from "./context";
export { type Manifest, type ManifestEntry, buildManifest } from "./manifest";
export { type RootFile, formatRootFile, parseRootFile } from "./rootTxt";
export { type BundleInputs, buildBundleFiles, exportBundle, writeBundleDir } from "./exportBundle";
export { strengthOf, verifyBundle } from "./verifyBundle";
export {
  BUNDLE_REPORT_VERSION,
  STRENGTHS,
  type BundleCheck,
  type BundleReport,
  type BundleStatus,
  type Strength,
} from "./report";
export {
  type GatewayExport,
  collectCheckpoint,
  collectEvidence,
  collectFromGateway,
  collectInclusion,
  collectReceipts,
  describeGatewayForExport,
} from "./collect";
export { exportAndVerify, readLedgerLines } from "./exportAndVerify";
export { rfc3161Timestamper, rfc3161Verifier } from "./rfc3161";
export { evidenceAnchorReader } from "./anchorReader";
export { type GatewayBundleSource, gatewayBundleInputs } from "./gatewayInputs";
