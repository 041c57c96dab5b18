// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {ISettlement} from "../interfaces/ISettlement.sol";
import {Step, StepAttestation, StepPermit, StepStatus} from "../interfaces/SwarmTypes.sol";
import {StepHashes} from "../libraries/StepHashes.sol";
import {StepPermits} from "./StepPermits.sol";

/// @title Settlement
/// @notice Claims, disputes, rulings and the timeouts that move a consumed step to a payout.
///         Settlement only credits balances and makes no external call except to take a dispute bond.
abstract contract Settlement is StepPermits, ISettlement {
    /// @inheritdoc ISettlement
    function claim(StepPermit calldata permit, StepAttestation calldata att, bytes[] calldata signatures) external {
        uint256 id = permit.entitlementId;
        uint32 step = permit.step;
        StepRecord storage s = _steps[id][step];
        StepRecord memory r = s;
        _expectStatus(id, step, r.status, StepStatus.Consumed);
        OfferRecord storage o = _offers[_entitlements[id].offerId];
        _beforeWindowEnd(r.consumedAt, o.stepTimeout);

        bytes32 digest = _hashTypedDataV4(StepHashes.hash(permit));
        if (bytes21(digest) != r.permitDigestPrefix) revert PermitDigestMismatch(r.permitDigestPrefix, bytes21(digest));
        if (att.entitlementId != id || att.step != step) revert AttestationTargetMismatch(att.entitlementId, att.step);
        if (att.permitDigest != digest) revert AttestedPermitMismatch(digest, att.permitDigest);
        // The consumed permit's commit and policy were checked against the offer's terms hash at consume.
        if (att.commit != permit.commit) revert CommitMismatch(permit.commit, att.commit);
        if (att.policyHash != permit.policyHash) revert PolicyMismatch(permit.policyHash, att.policyHash);
        if (att.certificateHash == bytes32(0)) revert ZeroCertificateHash();
        bytes32 expectedPrev;
        if (permit.fromStep != 0) {
            expectedPrev = _certificates[id][permit.fromStep];
            if (expectedPrev == bytes32(0)) revert FromStepNotClaimed(id, permit.fromStep);
        }
        if (att.prevCertificateHash != expectedPrev)
            revert PrevCertificateMismatch(expectedPrev, att.prevCertificateHash);

        _checkQuorum(_entitlements[id].offerId, o.quorum, _hashTypedDataV4(StepHashes.hash(att)), signatures);

        s.claimedAt = uint40(block.timestamp);
        s.status = StepStatus.Claimed;
        _certificates[id][step] = att.certificateHash;
        emit StepClaimed(id, step, att.certificateHash, expectedPrev);
    }

    /// @inheritdoc ISettlement
    function dispute(uint256 entitlementId, uint32 step) external payable nonReentrant {
        EntitlementRecord storage e = _entitlement(entitlementId);
        if (e.buyer != msg.sender) revert NotBuyer(entitlementId, msg.sender);
        StepRecord storage s = _steps[entitlementId][step];
        _expectStatus(entitlementId, step, s.status, StepStatus.Claimed);
        OfferRecord storage o = _offers[e.offerId];
        _beforeWindowEnd(s.claimedAt, o.disputeWindow);
        uint24 maxFromStep = _counters[entitlementId].maxFromStep;
        if (step <= maxFromStep) revert StepAlreadyContinued(entitlementId, step, maxFromStep);

        s.status = StepStatus.Disputed;
        _disputedAt[entitlementId][step] = uint40(block.timestamp);
        uint96 bond = o.disputeBond;
        emit StepDisputed(entitlementId, step, bond);
        _collect(o.token, bond);
    }

    /// @inheritdoc ISettlement
    function rule(uint256 entitlementId, uint32 step, bool sellerWins) external {
        EntitlementRecord storage e = _entitlement(entitlementId);
        OfferRecord storage o = _offers[e.offerId];
        if (o.arbiter != msg.sender) revert NotArbiter(o.arbiter, msg.sender);
        StepRecord storage s = _steps[entitlementId][step];
        _expectStatus(entitlementId, step, s.status, StepStatus.Disputed);
        _beforeWindowEnd(_disputedAt[entitlementId][step], o.arbiterTimeout);

        emit DisputeRuled(entitlementId, step, sellerWins);
        uint256 amount = uint256(o.pricePerStep) + o.disputeBond;
        if (sellerWins) {
            _settle(s, entitlementId, step, o, amount);
        } else {
            _refund(s, entitlementId, step, o, e.buyer, amount);
        }
    }

    /// @inheritdoc ISettlement
    function settleLapsedDispute(uint256 entitlementId, uint32 step) external {
        EntitlementRecord storage e = _entitlement(entitlementId);
        OfferRecord storage o = _offers[e.offerId];
        StepRecord storage s = _steps[entitlementId][step];
        _expectStatus(entitlementId, step, s.status, StepStatus.Disputed);
        _afterWindowEnd(_disputedAt[entitlementId][step], o.arbiterTimeout);

        emit DisputeLapsed(entitlementId, step);
        // The buyer accepted the offer's verifiers: their valid attestation stands when the arbiter is silent.
        _credit(o.token, e.buyer, o.disputeBond);
        _settle(s, entitlementId, step, o, o.pricePerStep);
    }

    /// @inheritdoc ISettlement
    function accept(uint256 entitlementId, uint32 step) external {
        EntitlementRecord storage e = _entitlement(entitlementId);
        if (e.buyer != msg.sender) revert NotBuyer(entitlementId, msg.sender);
        StepRecord storage s = _steps[entitlementId][step];
        _expectStatus(entitlementId, step, s.status, StepStatus.Claimed);
        OfferRecord storage o = _offers[e.offerId];
        _settle(s, entitlementId, step, o, o.pricePerStep);
    }

    /// @inheritdoc ISettlement
    function finalize(uint256 entitlementId, uint32 step) external {
        StepRecord storage s = _steps[entitlementId][step];
        StepRecord memory r = s;
        _expectStatus(entitlementId, step, r.status, StepStatus.Claimed);
        OfferRecord storage o = _offers[_entitlements[entitlementId].offerId];
        _afterWindowEnd(r.claimedAt, o.disputeWindow);
        _settle(s, entitlementId, step, o, o.pricePerStep);
    }

    /// @inheritdoc ISettlement
    function reclaim(uint256 entitlementId, uint32 step) external {
        StepRecord storage s = _steps[entitlementId][step];
        StepRecord memory r = s;
        _expectStatus(entitlementId, step, r.status, StepStatus.Consumed);
        EntitlementRecord storage e = _entitlements[entitlementId];
        OfferRecord storage o = _offers[e.offerId];
        _afterWindowEnd(r.consumedAt, o.stepTimeout);
        _refund(s, entitlementId, step, o, e.buyer, o.pricePerStep);
    }

    /// @inheritdoc ISettlement
    function getStep(uint256 entitlementId, uint32 step) external view returns (Step memory) {
        StepRecord storage s = _steps[entitlementId][step];
        return
            Step({
                status: s.status,
                consumedAt: s.consumedAt,
                claimedAt: s.claimedAt,
                disputedAt: _disputedAt[entitlementId][step],
                permitDigestPrefix: s.permitDigestPrefix,
                certificateHash: _certificates[entitlementId][step]
            });
    }

    /// @inheritdoc ISettlement
    function hashStepAttestation(StepAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(StepHashes.hash(attestation));
    }

    /// @dev Requires at least `quorum` signatures over `digest` from distinct verifiers of the offer.
    function _checkQuorum(uint256 offerId, uint256 quorum, bytes32 digest, bytes[] calldata signatures) private view {
        uint256 count = signatures.length;
        if (count < quorum) revert QuorumNotReached(count, quorum);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert InvalidVerifierSignature(i);
            if (signer <= previous) revert VerifierSignaturesNotAscending(i, signer);
            if (!_isVerifier[offerId][signer]) revert NotAVerifier(i, signer);
            previous = signer;
        }
    }

    /// @dev Marks a step settled and credits `amount` to the seller.
    function _settle(
        StepRecord storage s,
        uint256 entitlementId,
        uint32 step,
        OfferRecord storage o,
        uint256 amount
    ) private {
        s.status = StepStatus.Settled;
        _credit(o.token, o.seller, amount);
        emit StepSettled(entitlementId, step, amount);
    }

    /// @dev Marks a step refunded and credits `amount` to the buyer.
    function _refund(
        StepRecord storage s,
        uint256 entitlementId,
        uint32 step,
        OfferRecord storage o,
        address buyer,
        uint256 amount
    ) private {
        s.status = StepStatus.Refunded;
        _credit(o.token, buyer, amount);
        emit StepRefunded(entitlementId, step, amount);
    }

    /// @dev Reverts unless the step is in `expected` status.
    function _expectStatus(uint256 entitlementId, uint32 step, StepStatus actual, StepStatus expected) private pure {
        if (actual != expected) revert InvalidStepStatus(entitlementId, step, expected, actual);
    }

    /// @dev A window is open iff now < start + window.
    function _beforeWindowEnd(uint256 start, uint256 window) private view {
        uint256 end = start + window;
        if (block.timestamp >= end) revert WindowClosed(end, block.timestamp);
    }

    /// @dev A timeout action is allowed iff now >= start + window.
    function _afterWindowEnd(uint256 start, uint256 window) private view {
        uint256 end = start + window;
        if (block.timestamp < end) revert WindowNotElapsed(end, block.timestamp);
    }
}
