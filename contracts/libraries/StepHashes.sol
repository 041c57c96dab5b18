// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StepAttestation, StepPermit} from "../interfaces/SwarmTypes.sol";

/// @title StepHashes
/// @notice EIP-712 struct hashes of the market's signed types. Every field is static, so the ABI encoding
///         of the struct is exactly EIP-712's encodeData.
library StepHashes {
    bytes32 internal constant STEP_PERMIT_TYPEHASH = keccak256(
        "StepPermit(uint256 entitlementId,uint32 step,uint32 fromStep,uint64 runId,uint32 runAttempt,"
        "bytes32 workerKey,bytes20 commit,bytes32 policyHash,address gateway,uint64 deadline)"
    );

    bytes32 internal constant STEP_ATTESTATION_TYPEHASH = keccak256(
        "StepAttestation(uint256 entitlementId,uint32 step,bytes32 permitDigest,bytes32 certificateHash,"
        "bytes32 prevCertificateHash,bytes20 commit,bytes32 policyHash)"
    );

    /// @notice The EIP-712 struct hash of a permit.
    function hash(StepPermit calldata permit) internal pure returns (bytes32) {
        return keccak256(abi.encode(STEP_PERMIT_TYPEHASH, permit));
    }

    /// @notice The EIP-712 struct hash of an attestation.
    function hash(StepAttestation calldata attestation) internal pure returns (bytes32) {
        return keccak256(abi.encode(STEP_ATTESTATION_TYPEHASH, attestation));
    }

    /// @notice The hash binding an offer's commit, policy and gateway, checked against each permit.
    function terms(bytes20 commit, bytes32 policyHash, address gateway) internal pure returns (bytes32) {
        return keccak256(abi.encode(commit, policyHash, gateway));
    }
}
