// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IStepPermits} from "../interfaces/IStepPermits.sol";
import {StepPermit, StepStatus} from "../interfaces/SwarmTypes.sol";
import {SignerCheck} from "../libraries/SignerCheck.sol";
import {StepHashes} from "../libraries/StepHashes.sol";
import {Entitlements} from "./Entitlements.sol";

/// @title StepPermits
/// @notice Consumption of buyer-signed step permits by the offer's gateway, one at a time or in a batch.
abstract contract StepPermits is Entitlements, IStepPermits {
    /// @inheritdoc IStepPermits
    uint256 public constant ERC1271_GAS_LIMIT = SignerCheck.ERC1271_GAS_LIMIT;

    /// @inheritdoc IStepPermits
    function consume(
        StepPermit calldata permit,
        bytes calldata signature
    ) external whenNotPaused returns (bytes32 permitDigest) {
        bytes memory failure;
        (permitDigest, failure) = _consume(permit, signature);
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
    }

    /// @inheritdoc IStepPermits
    function consumeBatch(
        StepPermit[] calldata permits,
        bytes[] calldata signatures
    ) external whenNotPaused returns (bool[] memory consumed) {
        uint256 count = permits.length;
        if (signatures.length != count) revert BatchLengthMismatch(count, signatures.length);
        consumed = new bool[](count);
        for (uint256 i = 0; i < count; ++i) {
            (, bytes memory failure) = _consume(permits[i], signatures[i]);
            if (failure.length == 0) {
                consumed[i] = true;
            } else {
                emit StepConsumeSkipped(permits[i].entitlementId, permits[i].step, i, failure);
            }
        }
    }

    /// @inheritdoc IStepPermits
    function hashStepPermit(StepPermit calldata permit) external view returns (bytes32) {
        return _hashTypedDataV4(StepHashes.hash(permit));
    }

    /// @dev Checks and consumes one permit. Returns the ABI-encoded custom error instead of reverting, so that
    ///      consumeBatch can skip a bad item; nothing is written unless every check passed. The signature is
    ///      checked last among the checks because it is the dearest; a contract signer is only ever called
    ///      with staticcall, so it cannot re-enter before the state update.
    function _consume(
        StepPermit calldata p,
        bytes calldata signature
    ) private returns (bytes32 digest, bytes memory failure) {
        failure = _checkFields(p);
        if (failure.length != 0) return (0, failure);
        EntitlementCounters memory c = _counters[p.entitlementId];
        failure = _checkAgainstEntitlement(p, c);
        if (failure.length != 0) return (0, failure);
        digest = _hashTypedDataV4(StepHashes.hash(p));
        if (!SignerCheck.isValid(c.signer, digest, signature)) {
            return (0, abi.encodeWithSelector(InvalidPermitSignature.selector, c.signer));
        }
        _record(p, c, digest);
    }

    /// @dev Checks that need nothing but the permit and the caller.
    function _checkFields(StepPermit calldata p) private view returns (bytes memory) {
        if (p.deadline == 0) return abi.encodeWithSelector(ZeroDeadline.selector);
        if (block.timestamp > p.deadline) {
            return abi.encodeWithSelector(PermitExpired.selector, p.deadline, block.timestamp);
        }
        if (p.workerKey == bytes32(0)) return abi.encodeWithSelector(ZeroWorkerKey.selector);
        if (p.runId == 0 && p.runAttempt != 0) return abi.encodeWithSelector(UnboundRunAttempt.selector, p.runAttempt);
        if (p.fromStep >= p.step) return abi.encodeWithSelector(FromStepNotBeforeStep.selector, p.fromStep, p.step);
        if (p.gateway != msg.sender) return abi.encodeWithSelector(CallerNotGateway.selector, p.gateway, msg.sender);
        return "";
    }

    /// @dev Checks against the entitlement's counters and terms.
    function _checkAgainstEntitlement(
        StepPermit calldata p,
        EntitlementCounters memory c
    ) private view returns (bytes memory) {
        if (c.signer == address(0)) return abi.encodeWithSelector(UnknownEntitlement.selector, p.entitlementId);
        // consumed <= bought < 2^24, so consumed + 1 cannot overflow uint32
        uint32 expected = uint32(c.consumed) + 1;
        if (p.step != expected) return abi.encodeWithSelector(StepOutOfOrder.selector, expected, p.step);
        if (p.step > c.bought) return abi.encodeWithSelector(StepsExhausted.selector, p.step, uint32(c.bought));
        if (p.runId == 0 && !c.allowUnboundRuns) {
            return abi.encodeWithSelector(UnboundRunNotAllowed.selector, p.entitlementId);
        }
        bytes32 expectedTerms = _entitlements[p.entitlementId].termsHash;
        bytes32 terms = StepHashes.terms(p.commit, p.policyHash, p.gateway);
        if (terms != expectedTerms) return abi.encodeWithSelector(PermitTermsMismatch.selector, expectedTerms, terms);
        return "";
    }

    /// @dev Advances the step counter (one slot write), stores the step record and emits StepConsumed.
    function _record(StepPermit calldata p, EntitlementCounters memory c, bytes32 digest) private {
        // p.step <= bought, which fits uint24; so does p.fromStep < p.step
        c.consumed = uint24(p.step);
        if (p.fromStep > c.maxFromStep) c.maxFromStep = uint24(p.fromStep);
        _counters[p.entitlementId] = c;
        _steps[p.entitlementId][p.step] = StepRecord({
            consumedAt: uint40(block.timestamp),
            claimedAt: 0,
            status: StepStatus.Consumed,
            permitDigestPrefix: bytes21(digest)
        });
        emit StepConsumed(p.entitlementId, p.step, p.fromStep, digest, p.workerKey, p.runId, p.runAttempt);
    }
}
