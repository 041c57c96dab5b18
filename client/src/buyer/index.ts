/**
 * The buyer's SDK: purchase (ETH or ERC-20), permit signer, runner sessions and bound permits, accept, cancel,
 * dispute, withdraw, state keys, the genesis state and settled steps' outputs.
 */
export { type BindPermitInput, type BoundPermit, bindPermit } from "./bindPermit";
export { cancel, getEntitlement, setPermitSigner } from "./entitlement";
export { BuyerErrorCode, marketRefusal } from "./errors";
export { type GenesisState, seedGenesisState } from "./genesis";
export { type Funding, fundPayment } from "./payment";
export {
  type PermitChoices,
  type RunBinding,
  buildStepPermit,
  signStepPermit,
  verifyPermitDeadline,
  verifyPermitSigner,
} from "./permit";
export { type Purchase, purchase } from "./purchase";
export { type StepOutput, type StepOutputFiles, consumedPermitDigest, readStepOutput } from "./readStepOutput";
export { type RunnerExpectation, verifyCapsuleIsOffers, verifyRunnerIdentity } from "./runnerIdentity";
export { type RunnerSession, listSessions, parseRunnerSession } from "./sessions";
export { accept, dispute, withdraw } from "./settlement";
export {
  STATE_KEY_DEFAULT_LIFETIME_SECONDS,
  type StateKeys,
  type StateKeysInput,
  requestStateKeys,
  stateKeyOf,
  verifyStateKeyDeadline,
  verifyStateKeyRange,
} from "./stateKeys";
