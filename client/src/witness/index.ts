export * from "./codes";
export {
  type CosignRequest,
  type CosignResult,
  type Witness,
  cosignCheckpoint,
  cosignTime,
  verifyExtends,
  verifyLogCheckpoint,
} from "./witness";
export {
  type WitnessRecord,
  type WitnessStateStore,
  fileWitnessState,
  memoryWitnessState,
  LOCK_FILE,
  recordFileName,
} from "./witnessState";
export { type GatewayFeed, fetchCheckpoint, fetchConsistencyProof, fetchCosignRequest } from "./gatewayFeed";
export { type WitnessKey, generateWitnessKey, parseWitnessKey } from "./witnessKey";
