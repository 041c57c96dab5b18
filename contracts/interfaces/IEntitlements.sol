// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Entitlement} from "./SwarmTypes.sol";

/// @title Entitlement escrow
/// @notice Buyers escrow the price of N steps of an offer; unused steps can be cancelled for a refund.
interface IEntitlements {
    /// @notice An entitlement was bought and its price escrowed.
    event EntitlementPurchased(
        uint256 indexed entitlementId,
        uint256 indexed offerId,
        address indexed buyer,
        uint32 steps,
        address permitSigner,
        uint256 amount
    );
    /// @notice The permit signer changed; zero means the buyer signs.
    event PermitSignerChanged(uint256 indexed entitlementId, address permitSigner);
    /// @notice Unconsumed steps were cancelled and their price credited to the buyer.
    event EntitlementCancelled(uint256 indexed entitlementId, uint32 steps, uint256 amount);

    /// @notice The step count is zero or above the offer's maxSteps.
    error InvalidStepCount(uint256 steps, uint256 maxSteps);
    /// @notice msg.value differs from the price of a native-ETH purchase or bond.
    error IncorrectPayment(uint256 expected, uint256 received);
    /// @notice The token credited less than the amount asked (fee-on-transfer and the like).
    error PaymentShortfall(uint256 expected, uint256 received);
    /// @notice ETH was sent with an ERC-20 payment.
    error UnexpectedValue(uint256 value);
    /// @notice No entitlement has this id.
    error UnknownEntitlement(uint256 entitlementId);
    /// @notice Only the entitlement's buyer may do this.
    error NotBuyer(uint256 entitlementId, address caller);
    /// @notice Every bought step is already consumed.
    error NothingToCancel(uint256 entitlementId);

    /// @notice Buys `steps` steps of an offer, paying steps × pricePerStep in the offer's token.
    /// @param permitSigner Signs permits instead of the buyer when non-zero.
    /// @dev ETH: msg.value must equal the price. ERC-20: the market pulls the price and credits the balance delta.
    function purchase(
        uint256 offerId,
        uint32 steps,
        address permitSigner
    ) external payable returns (uint256 entitlementId);

    /// @notice Sets or, with zero, clears the permit signer. Only the buyer; works while paused.
    function setPermitSigner(uint256 entitlementId, address permitSigner) external;

    /// @notice Cancels every unconsumed step and credits its price to the buyer. Only the buyer.
    function cancel(uint256 entitlementId) external;

    /// @notice Reads an entitlement.
    function getEntitlement(uint256 entitlementId) external view returns (Entitlement memory);

    /// @notice The number of entitlements bought so far.
    function entitlementCount() external view returns (uint256);
}
