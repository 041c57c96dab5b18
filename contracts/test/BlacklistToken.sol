// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A mintable ERC-20 that, like USDC, refuses transfers to or from a blacklisted address.
contract BlacklistToken is ERC20 {
    /// @notice `account` is blacklisted and may neither send nor receive.
    error Blacklisted(address account);

    /// @notice Whether an account is blacklisted.
    mapping(address account => bool) public blacklisted;

    constructor() ERC20("Blacklist USD", "BUSD") {}

    /// @notice Mints `amount` to `to`; anyone may call (test double).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Adds or removes `account` from the blacklist; anyone may call (test double).
    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
    }

    /// @dev Reverts when either side of a transfer is blacklisted.
    function _update(address from, address to, uint256 value) internal override {
        if (blacklisted[from]) revert Blacklisted(from);
        if (blacklisted[to]) revert Blacklisted(to);
        super._update(from, to, value);
    }
}
