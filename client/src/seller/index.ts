/** The seller's SDK: build and hash a policy capsule, publish, retire, read and list offers. */
export { buildPolicyCapsule, policyHashOf } from "../protocol/policy";
export { type ListedOffer, getOffer, listOffers } from "./offers";
export { type PublishedOffer, publishOffer, retireOffer } from "./publish";
export {
  MAX_VERIFIERS,
  OFFER_TERMS_INVALID,
  OfferTermsError,
  type OfferTermsContext,
  type OfferTermsInput,
  normalizeCommit,
  sortVerifiers,
  termAddress,
  validateOfferTerms,
  verifyBounds,
  verifyCapsuleMatchesTerms,
  verifyNonZero,
  verifyParties,
  verifyVerifiers,
} from "./terms";
