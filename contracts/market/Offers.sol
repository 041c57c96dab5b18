// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IOffers} from "../interfaces/IOffers.sol";
import {Offer, OfferTerms, TermBounds} from "../interfaces/SwarmTypes.sol";
import {StepHashes} from "../libraries/StepHashes.sol";
import {MarketStorage} from "./MarketStorage.sol";

/// @title Offers
/// @notice Publishing and retiring immutable offers.
abstract contract Offers is MarketStorage, IOffers {
    /// @notice At most this many verifiers per offer, bounding the cost of a claim.
    uint256 public constant MAX_VERIFIERS = 16;

    /// @inheritdoc IOffers
    function publish(OfferTerms calldata terms) external whenNotPaused returns (uint256 offerId) {
        _checkTerms(terms);
        offerId = ++_offerCount;
        bytes32 termsHash = StepHashes.terms(terms.commit, terms.policyHash, terms.gateway);
        OfferRecord storage o = _offers[offerId];
        o.seller = msg.sender;
        o.stepTimeout = terms.stepTimeout;
        o.disputeWindow = terms.disputeWindow;
        o.arbiterTimeout = terms.arbiterTimeout;
        o.token = terms.token;
        o.pricePerStep = terms.pricePerStep;
        o.arbiter = terms.arbiter;
        o.disputeBond = terms.disputeBond;
        o.gateway = terms.gateway;
        o.maxSteps = terms.maxSteps;
        o.quorum = terms.quorum;
        o.allowUnboundRuns = terms.allowUnboundRuns;
        o.commit = terms.commit;
        o.policyHash = terms.policyHash;
        o.termsHash = termsHash;
        o.verifiers = terms.verifiers;
        for (uint256 i = 0; i < terms.verifiers.length; ++i) {
            _isVerifier[offerId][terms.verifiers[i]] = true;
        }
        emit OfferPublished(offerId, msg.sender, terms.gateway, terms.commit, terms.policyHash, termsHash);
    }

    /// @inheritdoc IOffers
    function retire(uint256 offerId) external {
        OfferRecord storage o = _offer(offerId);
        if (o.seller != msg.sender) revert NotSeller(offerId, msg.sender);
        if (o.retired) revert OfferIsRetired(offerId);
        o.retired = true;
        emit OfferRetired(offerId);
    }

    /// @inheritdoc IOffers
    function getOffer(uint256 offerId) external view returns (Offer memory offer) {
        OfferRecord storage o = _offer(offerId);
        offer.seller = o.seller;
        offer.retired = o.retired;
        offer.termsHash = o.termsHash;
        offer.terms = OfferTerms({
            gateway: o.gateway,
            token: o.token,
            pricePerStep: o.pricePerStep,
            maxSteps: o.maxSteps,
            commit: o.commit,
            policyHash: o.policyHash,
            stepTimeout: o.stepTimeout,
            disputeWindow: o.disputeWindow,
            arbiterTimeout: o.arbiterTimeout,
            disputeBond: o.disputeBond,
            arbiter: o.arbiter,
            allowUnboundRuns: o.allowUnboundRuns,
            quorum: o.quorum,
            verifiers: o.verifiers
        });
    }

    /// @inheritdoc IOffers
    function isVerifier(uint256 offerId, address verifier) external view returns (bool) {
        return _isVerifier[offerId][verifier];
    }

    /// @inheritdoc IOffers
    function termsHashOf(bytes20 commit, bytes32 policyHash, address gateway) external pure returns (bytes32) {
        return StepHashes.terms(commit, policyHash, gateway);
    }

    /// @inheritdoc IOffers
    function isAllowedToken(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc IOffers
    function termBounds() external view returns (TermBounds memory) {
        return
            TermBounds({
                minStepTimeout: _MIN_STEP_TIMEOUT,
                maxStepTimeout: _MAX_STEP_TIMEOUT,
                minDisputeWindow: _MIN_DISPUTE_WINDOW,
                maxDisputeWindow: _MAX_DISPUTE_WINDOW,
                minArbiterTimeout: _MIN_ARBITER_TIMEOUT,
                maxArbiterTimeout: _MAX_ARBITER_TIMEOUT,
                maxSteps: _MAX_STEPS
            });
    }

    /// @inheritdoc IOffers
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    /// @dev Loads an offer, reverting for an unknown id.
    function _offer(uint256 offerId) internal view returns (OfferRecord storage o) {
        o = _offers[offerId];
        if (o.seller == address(0)) revert UnknownOffer(offerId);
    }

    /// @dev Rejects terms outside the deploy-time bounds or internally inconsistent.
    function _checkTerms(OfferTerms calldata t) private view {
        if (!_allowedTokens[t.token]) revert TokenNotAllowed(t.token);
        if (t.gateway == address(0)) revert InvalidGateway(t.gateway);
        if (t.arbiter == address(0) || t.arbiter == msg.sender || t.arbiter == t.gateway) {
            revert InvalidArbiter(t.arbiter);
        }
        if (t.pricePerStep == 0) revert ZeroPrice();
        if (t.commit == bytes20(0)) revert ZeroCommit();
        if (t.policyHash == bytes32(0)) revert ZeroPolicyHash();
        if (t.maxSteps == 0 || t.maxSteps > _MAX_STEPS) revert MaxStepsOutOfBounds(t.maxSteps, _MAX_STEPS);
        if (t.stepTimeout < _MIN_STEP_TIMEOUT || t.stepTimeout > _MAX_STEP_TIMEOUT) {
            revert StepTimeoutOutOfBounds(t.stepTimeout, _MIN_STEP_TIMEOUT, _MAX_STEP_TIMEOUT);
        }
        if (t.disputeWindow < _MIN_DISPUTE_WINDOW || t.disputeWindow > _MAX_DISPUTE_WINDOW) {
            revert DisputeWindowOutOfBounds(t.disputeWindow, _MIN_DISPUTE_WINDOW, _MAX_DISPUTE_WINDOW);
        }
        if (t.arbiterTimeout < _MIN_ARBITER_TIMEOUT || t.arbiterTimeout > _MAX_ARBITER_TIMEOUT) {
            revert ArbiterTimeoutOutOfBounds(t.arbiterTimeout, _MIN_ARBITER_TIMEOUT, _MAX_ARBITER_TIMEOUT);
        }
        uint256 count = t.verifiers.length;
        if (count == 0 || count > MAX_VERIFIERS) revert VerifierCountOutOfRange(count, MAX_VERIFIERS);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            address v = t.verifiers[i];
            if (v <= previous) revert VerifiersNotAscending(i, v);
            previous = v;
        }
        if (t.quorum == 0 || t.quorum > count) revert QuorumOutOfRange(t.quorum, count);
    }
}
