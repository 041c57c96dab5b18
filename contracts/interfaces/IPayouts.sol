// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Payouts
/// @notice Settlement only credits balances; each account pulls its own, so a reverting or blacklisted
///         recipient can block nobody but itself.
interface IPayouts {
    /// @notice `account` withdrew `amount` of `token` to `to`.
    event Withdrawn(address indexed token, address indexed account, address to, uint256 amount);

    /// @notice The caller has no credit in this token.
    error NothingToWithdraw(address token, address account);
    /// @notice The recipient is the zero address.
    error ZeroRecipient();

    /// @notice Pays the caller's whole credit in `token` (zero: native ETH) to the caller.
    function withdraw(address token) external returns (uint256 amount);

    /// @notice Pays the caller's whole credit in `token` to `to`, for an account that cannot receive.
    function withdrawTo(address token, address to) external returns (uint256 amount);

    /// @notice The credit `account` can withdraw in `token`.
    function creditOf(address token, address account) external view returns (uint256);
}
