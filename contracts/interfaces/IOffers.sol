// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Offer, OfferTerms, TermBounds} from "./SwarmTypes.sol";

/// @title Offers
/// @notice Sellers publish immutable offers that pin a workflow commit and a policy hash; they can only retire them.
interface IOffers {
    /// @notice An offer was published.
    event OfferPublished(
        uint256 indexed offerId,
        address indexed seller,
        address indexed gateway,
        bytes20 commit,
        bytes32 policyHash,
        bytes32 termsHash
    );
    /// @notice An offer was retired: it accepts no new purchases; existing entitlements run on.
    event OfferRetired(uint256 indexed offerId);

    /// @notice The payment token is not on the allowlist fixed at deploy (zero is native ETH).
    error TokenNotAllowed(address token);
    /// @notice The gateway is the zero address.
    error InvalidGateway(address gateway);
    /// @notice The arbiter is zero, the seller or the gateway.
    error InvalidArbiter(address arbiter);
    /// @notice The price per step is zero.
    error ZeroPrice();
    /// @notice The workflow commit is zero.
    error ZeroCommit();
    /// @notice The policy hash is zero.
    error ZeroPolicyHash();
    /// @notice maxSteps is zero or above the deploy-time bound.
    error MaxStepsOutOfBounds(uint256 maxSteps, uint256 max);
    /// @notice stepTimeout is outside [min, max].
    error StepTimeoutOutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice disputeWindow is outside [min, max].
    error DisputeWindowOutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice arbiterTimeout is outside [min, max].
    error ArbiterTimeoutOutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice There are no verifiers, or more than the maximum.
    error VerifierCountOutOfRange(uint256 count, uint256 max);
    /// @notice Verifiers must be non-zero and strictly ascending; `index` is the first offender.
    error VerifiersNotAscending(uint256 index, address verifier);
    /// @notice The quorum is zero or above the number of verifiers.
    error QuorumOutOfRange(uint256 quorum, uint256 verifierCount);
    /// @notice No offer has this id.
    error UnknownOffer(uint256 offerId);
    /// @notice Only the offer's seller may do this.
    error NotSeller(uint256 offerId, address caller);
    /// @notice The offer is retired.
    error OfferIsRetired(uint256 offerId);

    /// @notice Publishes an offer with msg.sender as seller. Paused with the market.
    /// @return offerId The new offer's id, counting from 1.
    function publish(OfferTerms calldata terms) external returns (uint256 offerId);

    /// @notice Retires an offer: no new purchases. Only the seller; not reversible.
    function retire(uint256 offerId) external;

    /// @notice Reads an offer.
    function getOffer(uint256 offerId) external view returns (Offer memory);

    /// @notice Whether `verifier` is one of the offer's verifiers.
    function isVerifier(uint256 offerId, address verifier) external view returns (bool);

    /// @notice The hash that binds an offer's commit, policy and gateway; permits must match it.
    function termsHashOf(bytes20 commit, bytes32 policyHash, address gateway) external pure returns (bytes32);

    /// @notice Whether a payment token is on the allowlist (zero is native ETH).
    function isAllowedToken(address token) external view returns (bool);

    /// @notice The ranges publish accepts.
    function termBounds() external view returns (TermBounds memory);

    /// @notice The number of offers published so far.
    function offerCount() external view returns (uint256);
}
