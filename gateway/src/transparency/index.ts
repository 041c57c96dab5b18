export { TRANSPARENCY_ERROR_STATUS, type TransparencyErrorCode, transparencyError } from "./codes";
export { CheckpointSigner, checkpointOrigin } from "./checkpointSigner";
export { DEFAULT_CACHE_LEVEL, IncrementalMerkleTree, type LeafHashReader } from "./merkleTree";
export {
  type ConsistencyAnswer,
  type InclusionAnswer,
  TransparencyLog,
  type TransparencyLedger,
  type TransparencyLogOptions,
} from "./transparencyLog";
