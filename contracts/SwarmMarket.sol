// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ISwarmMarket} from "./interfaces/ISwarmMarket.sol";
import {TermBounds} from "./interfaces/SwarmTypes.sol";
import {MarketStorage} from "./market/MarketStorage.sol";
import {Payouts} from "./market/Payouts.sol";
import {Settlement} from "./market/Settlement.sol";

/// @title SwarmMarket
/// @notice Offers, escrowed entitlements, EIP-712 step permits and settlement, composed from one contract
///         per concern. Not upgradeable; the owner can only pause publish, purchase and consume.
contract SwarmMarket is Payouts, Settlement, ISwarmMarket {
    constructor(
        address owner_,
        TermBounds memory bounds,
        address[] memory tokens
    ) MarketStorage(owner_, bounds, tokens) {}

    /// @inheritdoc ISwarmMarket
    function pause() external onlyOwner {
        _pause();
    }

    /// @inheritdoc ISwarmMarket
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Gives up the pause power for good. Refused while paused: that would freeze publish, purchase
    ///         and consume forever.
    function renounceOwnership() public override onlyOwner whenNotPaused {
        super.renounceOwnership();
    }
}
