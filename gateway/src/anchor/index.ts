export { ANCHOR_CODES, type AnchorErrorCode } from "./codes";
export { type AnchorRecord, anchorRecordSchema, anchorRecordLine, parseAnchorRecordLine } from "./anchorRecord";
export {
  ANCHOR_RECORDS_FILE,
  type AnchorRecords,
  anchorRecordsPath,
  openAnchorRecords,
  verifyRecordFollows,
} from "./anchorRecords";
export { type AnchorChain, type AnchorHead, type AnchoredEvent, createAnchorChain } from "./anchorChain";
export {
  type AnchorLogEvent,
  type AnchorOutcome,
  type AnchorStatus,
  type AnchorTimers,
  type Anchorer,
  createAnchorer,
} from "./anchorer";
export { type RootHistory, type RootSnapshot, type RootSource, ledgerRootAt, ledgerRootSource } from "./rootSource";
export { type AnchorSettings, type RunningAnchoring, startAnchoring } from "./startAnchoring";
