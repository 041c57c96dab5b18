// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IEntitlements} from "../interfaces/IEntitlements.sol";
import {Entitlement} from "../interfaces/SwarmTypes.sol";
import {Offers} from "./Offers.sol";

/// @title Entitlements
/// @notice Escrowed purchases of N steps, the optional permit signer, and cancellation of unused steps.
abstract contract Entitlements is Offers, IEntitlements {
    /// @inheritdoc IEntitlements
    function purchase(
        uint256 offerId,
        uint32 steps,
        address permitSigner
    ) external payable whenNotPaused nonReentrant returns (uint256 entitlementId) {
        OfferRecord storage o = _offer(offerId);
        if (o.retired) revert OfferIsRetired(offerId);
        if (steps == 0 || steps > o.maxSteps) revert InvalidStepCount(steps, o.maxSteps);
        uint256 amount = uint256(steps) * o.pricePerStep;

        entitlementId = ++_entitlementCount;
        _counters[entitlementId] = EntitlementCounters({
            signer: permitSigner == address(0) ? msg.sender : permitSigner,
            // steps <= maxSteps, which fits uint24
            bought: uint24(steps),
            consumed: 0,
            maxFromStep: 0,
            allowUnboundRuns: o.allowUnboundRuns
        });
        // offer ids are counted from 1 by one per publish and cannot reach 2^64
        _entitlements[entitlementId] = EntitlementRecord({
            termsHash: o.termsHash,
            buyer: msg.sender,
            offerId: uint64(offerId)
        });
        emit EntitlementPurchased(entitlementId, offerId, msg.sender, steps, permitSigner, amount);

        _collect(o.token, amount);
    }

    /// @inheritdoc IEntitlements
    function setPermitSigner(uint256 entitlementId, address permitSigner) external {
        EntitlementRecord storage e = _entitlement(entitlementId);
        address buyer = e.buyer;
        if (buyer != msg.sender) revert NotBuyer(entitlementId, msg.sender);
        _counters[entitlementId].signer = permitSigner == address(0) ? buyer : permitSigner;
        emit PermitSignerChanged(entitlementId, permitSigner);
    }

    /// @inheritdoc IEntitlements
    function cancel(uint256 entitlementId) external {
        EntitlementRecord storage e = _entitlement(entitlementId);
        if (e.buyer != msg.sender) revert NotBuyer(entitlementId, msg.sender);
        EntitlementCounters storage c = _counters[entitlementId];
        uint24 unused = c.bought - c.consumed;
        if (unused == 0) revert NothingToCancel(entitlementId);
        c.bought = c.consumed;
        OfferRecord storage o = _offers[e.offerId];
        uint256 amount = uint256(unused) * o.pricePerStep;
        _credit(o.token, msg.sender, amount);
        emit EntitlementCancelled(entitlementId, unused, amount);
    }

    /// @inheritdoc IEntitlements
    function getEntitlement(uint256 entitlementId) external view returns (Entitlement memory) {
        EntitlementRecord storage e = _entitlement(entitlementId);
        EntitlementCounters memory c = _counters[entitlementId];
        address buyer = e.buyer;
        address signer = c.signer;
        return
            Entitlement({
                offerId: e.offerId,
                buyer: buyer,
                permitSigner: signer == buyer ? address(0) : signer,
                bought: c.bought,
                consumed: c.consumed,
                maxFromStep: c.maxFromStep
            });
    }

    /// @inheritdoc IEntitlements
    function entitlementCount() external view returns (uint256) {
        return _entitlementCount;
    }
}
