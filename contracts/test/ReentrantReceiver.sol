// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice A contract account that, whenever it receives ETH, tries a configured list of calls back into a
///         target (withdraw again, finalize, reclaim, ...) and records how each one ended instead of reverting.
///         It acts as seller or buyer through `execute`.
contract ReentrantReceiver {
    /// @notice How one re-entrant call ended.
    struct Attempt {
        bool ok;
        bytes result;
    }

    /// @notice The contract the re-entrant calls go to.
    address public reentryTarget;
    /// @notice ETH payments received so far.
    uint256 public payments;
    /// @notice Wei received so far.
    uint256 public totalReceived;

    bytes[] private _reentryCalls;
    Attempt[] private _attempts;

    /// @notice Sets the calls to try, in order, on each ETH payment; an empty list disables re-entry.
    /// @param target The contract to call back.
    /// @param calls The calldata of each call.
    function setReentry(address target, bytes[] calldata calls) external {
        reentryTarget = target;
        delete _reentryCalls;
        for (uint256 i = 0; i < calls.length; ++i) {
            _reentryCalls.push(calls[i]);
        }
    }

    /// @notice Forwards a call with value, bubbling up any revert (test double: anyone may call).
    /// @param target The contract to call.
    /// @param value The ETH to forward.
    /// @param data The calldata.
    /// @return The call's return data.
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @notice The number of re-entrant calls tried so far.
    /// @return The count.
    function attemptCount() external view returns (uint256) {
        return _attempts.length;
    }

    /// @notice How the `index`-th re-entrant call ended.
    /// @param index The attempt's position, from 0.
    /// @return ok Whether the call succeeded.
    /// @return result Its return data, or its revert data when it failed.
    function attempt(uint256 index) external view returns (bool ok, bytes memory result) {
        Attempt storage a = _attempts[index];
        return (a.ok, a.result);
    }

    /// @notice Counts the payment, then tries each configured call and records its outcome.
    // Re-entering on payment is this double's purpose.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        ++payments;
        totalReceived += msg.value;
        address target = reentryTarget;
        uint256 count = _reentryCalls.length;
        for (uint256 i = 0; i < count; ++i) {
            // Records the revert instead of propagating it.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = target.call(_reentryCalls[i]);
            _attempts.push(Attempt({ok: ok, result: ret}));
        }
    }
}
