// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IEntitlements} from "../interfaces/IEntitlements.sol";
import {StepStatus, TermBounds} from "../interfaces/SwarmTypes.sol";

/// @title MarketStorage
/// @notice State, domain and shared helpers of the market. Storage is packed around the hot paths:
///         consume touches one entitlement slot, the terms-hash slot and one new step slot.
abstract contract MarketStorage is EIP712, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Native ETH in token positions.
    address internal constant _NATIVE = address(0);

    struct OfferRecord {
        // slot 0: claim, finalize, reclaim
        address seller;
        uint32 stepTimeout;
        uint32 disputeWindow;
        uint32 arbiterTimeout;
        // slot 1: purchase, cancel, settlement credits
        address token;
        uint96 pricePerStep;
        // slot 2: dispute, rule
        address arbiter;
        uint96 disputeBond;
        // slot 3: purchase, claim
        address gateway;
        uint24 maxSteps;
        uint8 quorum;
        bool retired;
        bool allowUnboundRuns;
        // cold: read back by clients, never by the hot paths
        bytes20 commit;
        bytes32 policyHash;
        bytes32 termsHash;
        address[] verifiers;
    }

    /// @dev One slot, read once and written once by consume. `signer` is the buyer unless a delegate is set.
    struct EntitlementCounters {
        address signer;
        uint24 bought;
        uint24 consumed;
        uint24 maxFromStep;
        bool allowUnboundRuns;
    }

    struct EntitlementRecord {
        // slot 0: the offer's terms hash, copied at purchase so consume needs no offer read
        bytes32 termsHash;
        // slot 1: settlement
        address buyer;
        uint64 offerId;
    }

    struct StepRecord {
        uint40 consumedAt;
        uint40 claimedAt;
        StepStatus status;
        bytes21 permitDigestPrefix;
    }

    uint24 internal immutable _MAX_STEPS;
    uint32 internal immutable _MIN_STEP_TIMEOUT;
    uint32 internal immutable _MAX_STEP_TIMEOUT;
    uint32 internal immutable _MIN_DISPUTE_WINDOW;
    uint32 internal immutable _MAX_DISPUTE_WINDOW;
    uint32 internal immutable _MIN_ARBITER_TIMEOUT;
    uint32 internal immutable _MAX_ARBITER_TIMEOUT;

    /// @dev Written only by the constructor: the allowlist is fixed at deploy.
    mapping(address token => bool allowed) internal _allowedTokens;

    uint256 internal _offerCount;
    mapping(uint256 offerId => OfferRecord) internal _offers;
    mapping(uint256 offerId => mapping(address verifier => bool)) internal _isVerifier;

    uint256 internal _entitlementCount;
    mapping(uint256 entitlementId => EntitlementRecord) internal _entitlements;
    mapping(uint256 entitlementId => EntitlementCounters) internal _counters;

    mapping(uint256 entitlementId => mapping(uint32 step => StepRecord)) internal _steps;
    mapping(uint256 entitlementId => mapping(uint32 step => bytes32 certificateHash)) internal _certificates;
    mapping(uint256 entitlementId => mapping(uint32 step => uint40 disputedAt)) internal _disputedAt;

    mapping(address token => mapping(address account => uint256 amount)) internal _credits;

    /// @param owner_ May pause publish, purchase and consume, and nothing else. Can be a multisig or timelock.
    /// @param bounds The ranges publish accepts.
    /// @param tokens ERC-20 tokens accepted besides native ETH.
    constructor(
        address owner_,
        TermBounds memory bounds,
        address[] memory tokens
    ) EIP712("SwarmMarket", "1") Ownable(owner_) {
        _MAX_STEPS = bounds.maxSteps;
        _MIN_STEP_TIMEOUT = bounds.minStepTimeout;
        _MAX_STEP_TIMEOUT = bounds.maxStepTimeout;
        _MIN_DISPUTE_WINDOW = bounds.minDisputeWindow;
        _MAX_DISPUTE_WINDOW = bounds.maxDisputeWindow;
        _MIN_ARBITER_TIMEOUT = bounds.minArbiterTimeout;
        _MAX_ARBITER_TIMEOUT = bounds.maxArbiterTimeout;
        _allowedTokens[_NATIVE] = true;
        for (uint256 i = 0; i < tokens.length; ++i) {
            _allowedTokens[tokens[i]] = true;
        }
    }

    /// @dev Loads an entitlement, reverting for an unknown id.
    function _entitlement(uint256 entitlementId) internal view returns (EntitlementRecord storage e) {
        e = _entitlements[entitlementId];
        if (e.buyer == address(0)) revert IEntitlements.UnknownEntitlement(entitlementId);
    }

    /// @dev Adds to an account's withdrawable balance.
    function _credit(address token, address account, uint256 amount) internal {
        _credits[token][account] += amount;
    }

    /// @dev Takes `amount` of `token` from msg.sender: exact msg.value for ETH, the balance delta for ERC-20.
    function _collect(address token, uint256 amount) internal {
        if (token == _NATIVE) {
            if (msg.value != amount) revert IEntitlements.IncorrectPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert IEntitlements.UnexpectedValue(msg.value);
        if (amount == 0) return;
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 balance = erc20.balanceOf(address(this));
        // A hostile token may even shrink our balance: count that as nothing received, not an underflow.
        uint256 received = balance > before ? balance - before : 0;
        if (received < amount) revert IEntitlements.PaymentShortfall(amount, received);
    }
}
