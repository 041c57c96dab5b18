/** Typed reads and careful writes over the SwarmMarket ABI, shared by the seller and buyer roles. */
export type { MarketReader, MarketWriter } from "./clients";
export { erc20ErrorsAbi } from "./erc20";
export {
  ChainErrorCode,
  MarketError,
  decodeChainError,
  decodeRevertData,
  formatCustomError,
  marketErrorCode,
  upperSnake,
} from "./errors";
export { marketEventOf } from "./events";
export {
  readChainId,
  readCredit,
  readEntitlement,
  readIsAllowedToken,
  readOffer,
  readStep,
  readTermBounds,
} from "./read";
export { sendChecked, senderOf, verifySameChain } from "./send";
export {
  DEFAULT_LOG_BLOCK_RANGE,
  type StepConsumedEvent,
  type StepConsumedQuery,
  readHeadBlock,
  readStepConsumed,
} from "./stepConsumed";
export {
  type EthersSenderLike,
  type TransactionRequest,
  type TransactionSender,
  isTransactionSender,
  senderFromEthersSigner,
  senderFromViemWalletClient,
} from "./sender";
export { STEP_STATUSES } from "./types";
export type { Entitlement, Offer, OfferTerms, StepState, StepStatus, TermBounds } from "./types";
