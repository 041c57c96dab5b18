// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IStepPermits} from "../interfaces/IStepPermits.sol";

/// @title SignerCheck
/// @notice ECDSA first; ERC-1271 only when that fails and the signer has code, with a gas cap.
/// @dev OpenZeppelin's SignatureChecker forwards all gas to the wallet. A batch must survive a wallet that
///      burns everything it is given, so this variant caps the call and copies at most one word back,
///      which also defeats a wallet that answers with a huge payload.
library SignerCheck {
    /// @notice The gas an ERC-1271 wallet may spend in isValidSignature.
    uint256 internal constant ERC1271_GAS_LIMIT = 50_000;

    /// @notice Whether `signature` over `digest` is valid for `signer`.
    function isValid(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        if (signer.code.length == 0) return false;
        return _isValidERC1271(signer, digest, signature);
    }

    function _isValidERC1271(address signer, bytes32 digest, bytes calldata signature) private view returns (bool ok) {
        // EIP-150 keeps 1/64 of the gas back. Without this check a caller could starve the wallet of gas and make a valid signature look invalid.
        uint256 needed = (ERC1271_GAS_LIMIT * 64) / 63 + 5_000;
        if (gasleft() < needed) revert IStepPermits.InsufficientGasForSignerCheck(gasleft(), needed);
        bytes memory payload = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        uint256 limit = ERC1271_GAS_LIMIT;
        bytes4 magic = IERC1271.isValidSignature.selector;
        assembly ("memory-safe") {
            let success := staticcall(limit, signer, add(payload, 0x20), mload(payload), 0x00, 0x20)
            ok := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), magic)))
        }
    }
}
