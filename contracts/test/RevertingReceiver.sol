// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice A contract account that refuses every ETH payment; it acts as seller or buyer through `execute`.
contract RevertingReceiver {
    /// @notice ETH sent to this contract is always refused.
    error Rejected(uint256 value);

    /// @notice Forwards a call with value, bubbling up any revert (test double: anyone may call).
    /// @param target The contract to call.
    /// @param value The ETH to forward.
    /// @param data The calldata.
    /// @return The call's return data.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Refuses ETH.
    receive() external payable {
        revert Rejected(msg.value);
    }
}
