// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {IPayouts} from "../interfaces/IPayouts.sol";
import {MarketStorage} from "./MarketStorage.sol";

/// @title Payouts
/// @notice Pull payments: each account withdraws its own credit. No function here reads the pause.
abstract contract Payouts is MarketStorage, IPayouts {
    using SafeERC20 for IERC20;

    /// @inheritdoc IPayouts
    function withdraw(address token) external returns (uint256) {
        return _withdraw(token, msg.sender);
    }

    /// @inheritdoc IPayouts
    function withdrawTo(address token, address to) external returns (uint256) {
        if (to == address(0)) revert ZeroRecipient();
        return _withdraw(token, to);
    }

    /// @inheritdoc IPayouts
    function creditOf(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @dev Zeroes the caller's credit before paying it out, under the reentrancy lock.
    function _withdraw(address token, address to) private nonReentrant returns (uint256 amount) {
        amount = _credits[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw(token, msg.sender);
        _credits[token][msg.sender] = 0;
        emit Withdrawn(token, msg.sender, to, amount);
        if (token == _NATIVE) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
