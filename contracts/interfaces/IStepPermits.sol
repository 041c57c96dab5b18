// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StepPermit} from "./SwarmTypes.sol";

/// @title Step permits
/// @notice The offer's gateway consumes a buyer's EIP-712 StepPermit before it releases a step's capabilities.
///         The step counter is the nonce: step = consumed + 1, so a permit is used once and steps are never skipped.
interface IStepPermits {
    /// @notice A permit was consumed. `workerKey` is the RFC 7638 thumbprint the caps are encrypted to.
    event StepConsumed(
        uint256 indexed entitlementId,
        uint32 indexed step,
        uint32 fromStep,
        bytes32 permitDigest,
        bytes32 workerKey,
        uint64 runId,
        uint32 runAttempt
    );
    /// @notice A batch item was skipped; `reason` is the ABI-encoded custom error consume would have reverted with.
    event StepConsumeSkipped(uint256 indexed entitlementId, uint32 indexed step, uint256 index, bytes reason);

    /// @notice The permit's deadline is zero.
    error ZeroDeadline();
    /// @notice The permit's deadline has passed.
    error PermitExpired(uint64 deadline, uint256 timestamp);
    /// @notice The permit's worker key is zero.
    error ZeroWorkerKey();
    /// @notice An unbound permit (runId 0) must also leave runAttempt 0.
    error UnboundRunAttempt(uint32 runAttempt);
    /// @notice The offer does not allow unbound runs (runId 0).
    error UnboundRunNotAllowed(uint256 entitlementId);
    /// @notice fromStep must be below step.
    error FromStepNotBeforeStep(uint32 fromStep, uint32 step);
    /// @notice The step is not consumed + 1.
    error StepOutOfOrder(uint32 expected, uint32 got);
    /// @notice Every bought step is consumed (or the rest was cancelled).
    error StepsExhausted(uint32 step, uint32 bought);
    /// @notice Only the permit's gateway may consume it.
    error CallerNotGateway(address gateway, address caller);
    /// @notice The permit's commit, policy hash and gateway do not hash to the offer's terms.
    error PermitTermsMismatch(bytes32 expected, bytes32 got);
    /// @notice Neither ECDSA nor ERC-1271 validates the signature for the entitlement's signer.
    error InvalidPermitSignature(address signer);
    /// @notice Too little gas is left to give a contract signer its full ERC-1271 allowance.
    error InsufficientGasForSignerCheck(uint256 gasLeft, uint256 needed);
    /// @notice The batch's arrays differ in length.
    error BatchLengthMismatch(uint256 permits, uint256 signatures);

    /// @notice Consumes one permit. Only the permit's gateway. Paused with the market.
    /// @return permitDigest The EIP-712 digest of the permit.
    function consume(StepPermit calldata permit, bytes calldata signature) external returns (bytes32 permitDigest);

    /// @notice Consumes many permits, skipping (with StepConsumeSkipped) each one consume would reject.
    /// @return consumed consumed[i] is true iff permits[i] was consumed.
    function consumeBatch(
        StepPermit[] calldata permits,
        bytes[] calldata signatures
    ) external returns (bool[] memory consumed);

    /// @notice The EIP-712 digest of a permit under this market's domain.
    function hashStepPermit(StepPermit calldata permit) external view returns (bytes32);

    /// @notice The gas a contract signer's isValidSignature may use.
    // solhint-disable-next-line func-name-mixedcase
    function ERC1271_GAS_LIMIT() external view returns (uint256);
}
