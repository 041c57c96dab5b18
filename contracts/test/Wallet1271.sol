// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice A contract wallet for tests: honest (ECDSA by a rotatable key) or hostile in one of several ways.
contract Wallet1271 is IERC1271 {
    enum Mode {
        Honest,
        WrongMagic,
        Revert,
        BurnGas,
        HugePayload
    }

    error WalletSaysNo();

    address public key;
    Mode public mode;

    constructor(address key_, Mode mode_) {
        key = key_;
        mode = mode_;
    }

    /// @notice Replaces the signing key; signatures by the old key stop validating.
    function rotate(address newKey) external {
        key = newKey;
    }

    /// @notice Switches behaviour.
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        Mode m = mode;
        if (m == Mode.WrongMagic) return 0xdeadbeef;
        if (m == Mode.Revert) revert WalletSaysNo();
        if (m == Mode.BurnGas) {
            uint256 x;
            while (gasleft() > 0) x++;
            return bytes4(uint32(x));
        }
        if (m == Mode.HugePayload) {
            // 16 KiB of 0xff: a caller that copied all return data would pay for every byte of it.
            assembly ("memory-safe") {
                let size := 0x4000
                let ptr := mload(0x40)
                for {
                    let i := 0
                } lt(i, size) {
                    i := add(i, 0x20)
                } {
                    mstore(add(ptr, i), not(0))
                }
                return(ptr, size)
            }
        }
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == key) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }

    /// @notice Lets the wallet buy: forwards a call with value.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {}
}
