// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IEntitlements} from "./IEntitlements.sol";
import {IOffers} from "./IOffers.sol";
import {IPayouts} from "./IPayouts.sol";
import {ISettlement} from "./ISettlement.sol";
import {IStepPermits} from "./IStepPermits.sol";

/// @title SwarmMarket
/// @notice Sells proof-backed execution entitlements. The owner's only power is to pause publish,
///         purchase and consume; it cannot move, freeze or redirect escrowed funds, change an offer,
///         or upgrade the contract.
interface ISwarmMarket is IOffers, IEntitlements, IStepPermits, ISettlement, IPayouts {
    /// @notice Stops publish, purchase and consume. Only the owner.
    function pause() external;

    /// @notice Resumes publish, purchase and consume. Only the owner.
    function unpause() external;
}
