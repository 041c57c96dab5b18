// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Where a step stands in its lifecycle. `Settled` paid the seller; `Refunded` paid the buyer.
enum StepStatus {
    None,
    Consumed,
    Claimed,
    Disputed,
    Settled,
    Refunded
}

/// @notice The terms a seller publishes. Immutable once published.
/// @dev Amounts are uint96 so that an offer's hot fields pack into few storage slots;
///      2^96 base units is far above any sensible price or bond.
struct OfferTerms {
    address gateway;
    address token;
    uint96 pricePerStep;
    uint24 maxSteps;
    bytes20 commit;
    bytes32 policyHash;
    uint32 stepTimeout;
    uint32 disputeWindow;
    uint32 arbiterTimeout;
    uint96 disputeBond;
    address arbiter;
    bool allowUnboundRuns;
    uint8 quorum;
    address[] verifiers;
}

/// @notice An offer as read back from the market.
struct Offer {
    address seller;
    bool retired;
    bytes32 termsHash;
    OfferTerms terms;
}

/// @notice An entitlement as read back from the market. `permitSigner` is zero when the buyer signs.
struct Entitlement {
    uint256 offerId;
    address buyer;
    address permitSigner;
    uint32 bought;
    uint32 consumed;
    uint32 maxFromStep;
}

/// @notice A step as read back from the market.
struct Step {
    StepStatus status;
    uint40 consumedAt;
    uint40 claimedAt;
    uint40 disputedAt;
    bytes21 permitDigestPrefix;
    bytes32 certificateHash;
}

/// @notice The buyer's EIP-712 authorization for one step, bound to one runner key.
struct StepPermit {
    uint256 entitlementId;
    uint32 step;
    uint32 fromStep;
    uint64 runId;
    uint32 runAttempt;
    bytes32 workerKey;
    bytes20 commit;
    bytes32 policyHash;
    address gateway;
    uint64 deadline;
}

/// @notice A verifier's EIP-712 statement that a step's evidence verified as valid.
struct StepAttestation {
    uint256 entitlementId;
    uint32 step;
    bytes32 permitDigest;
    bytes32 certificateHash;
    bytes32 prevCertificateHash;
    bytes20 commit;
    bytes32 policyHash;
}

/// @notice The ranges publish accepts, fixed at deploy.
struct TermBounds {
    uint32 minStepTimeout;
    uint32 maxStepTimeout;
    uint32 minDisputeWindow;
    uint32 maxDisputeWindow;
    uint32 minArbiterTimeout;
    uint32 maxArbiterTimeout;
    uint24 maxSteps;
}
