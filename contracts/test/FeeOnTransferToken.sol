// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A mintable ERC-20 that burns a fee on every transfer, so the recipient gets less than was sent.
contract FeeOnTransferToken is ERC20 {
    /// @notice The fee is above 100%.
    error FeeTooHigh(uint256 feeBps);

    /// @notice The fee burnt on each transfer, in basis points of the amount.
    uint256 public immutable FEE_BPS;

    constructor(uint256 feeBps) ERC20("Fee Token", "FEE") {
        if (feeBps > 10_000) revert FeeTooHigh(feeBps);
        FEE_BPS = feeBps;
    }

    /// @notice Mints `amount` to `to`; anyone may call (test double).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Transfers between accounts deliver amount minus the fee and burn the fee; mint and burn are exact.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * FEE_BPS) / 10_000;
        super._update(from, to, value - fee);
        super._update(from, address(0), fee);
    }
}
