// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A mintable ERC-20 whose transfer and transferFrom first call back into a target (a hostile token
///         re-entering the market). The hook fires once per arming, and either records how the call ended or
///         bubbles up its revert.
contract ReentrantToken is ERC20 {
    /// @notice What the hook does with the re-entrant call.
    enum Mode {
        Off,
        Record,
        Bubble
    }

    /// @notice The current hook mode; reset to Off when the hook fires.
    Mode public mode;
    /// @notice The contract the hook calls.
    address public hookTarget;
    /// @notice The calldata the hook sends.
    bytes public hookData;
    /// @notice How many times the hook fired.
    uint256 public hookCalls;
    /// @notice Whether the last re-entrant call succeeded.
    bool public lastOk;
    /// @notice The last re-entrant call's return or revert data.
    bytes public lastResult;

    constructor() ERC20("Reentrant Token", "RENT") {}

    /// @notice Mints `amount` to `to`; anyone may call (test double).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for the next transfer or transferFrom.
    /// @param mode_ Record or Bubble; Off disarms.
    /// @param target The contract to call.
    /// @param data The calldata to send.
    function arm(Mode mode_, address target, bytes calldata data) external {
        mode = mode_;
        hookTarget = target;
        hookData = data;
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transfer(to, value);
    }

    /// @inheritdoc ERC20
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transferFrom(from, to, value);
    }

    /// @dev Fires the armed call once.
    function _hook() private {
        Mode m = mode;
        if (m == Mode.Off) return;
        mode = Mode.Off;
        ++hookCalls;
        // An arbitrary call back is this double's purpose.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = hookTarget.call(hookData);
        if (!ok && m == Mode.Bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        lastOk = ok;
        lastResult = ret;
    }
}
