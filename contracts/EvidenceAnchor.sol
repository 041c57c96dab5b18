// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";

/// @title EvidenceAnchor
/// @notice Append-only epochs of transparency-log roots per issuer. No owner, no pause, no upgrade: each issuer
///         writes only its own chain, so nobody can stop or rewrite another's.
/// @dev Storage per issuer is one packed head slot (epoch, tree size) plus one slot per epoch (its root): a
///      steady-state anchor writes one fresh slot and updates one warm slot. Tree sizes of past epochs live in
///      the `Anchored` events only.
contract EvidenceAnchor is IEvidenceAnchor {
    /// @dev An issuer's latest epoch and its tree size, packed in one slot.
    struct Head {
        uint64 epoch;
        uint64 treeSize;
    }

    mapping(address issuer => Head) private _heads;
    mapping(address issuer => mapping(uint64 epoch => bytes32 root)) private _roots;

    /// @inheritdoc IEvidenceAnchor
    function anchor(uint64 epoch, bytes32 root, uint64 treeSize, bytes32 prevRoot) external {
        if (root == bytes32(0)) revert ZeroRoot();
        Head memory h = _heads[msg.sender];
        uint64 next = h.epoch + 1;
        if (epoch != next) revert EpochOutOfOrder(msg.sender, next, epoch);
        bytes32 headRoot = _roots[msg.sender][h.epoch]; // zero at genesis: epoch 0 is never written
        if (prevRoot != headRoot) revert PrevRootMismatch(msg.sender, headRoot, prevRoot);
        if (treeSize < h.treeSize) revert TreeSizeDecreased(msg.sender, h.treeSize, treeSize);
        if (h.epoch != 0 && treeSize == h.treeSize && root != headRoot) {
            revert RootChangedWithoutGrowth(msg.sender, treeSize, headRoot, root);
        }
        _heads[msg.sender] = Head({epoch: epoch, treeSize: treeSize});
        _roots[msg.sender][epoch] = root;
        emit Anchored(msg.sender, epoch, root, treeSize);
    }

    /// @inheritdoc IEvidenceAnchor
    function head(address issuer) external view returns (uint64 epoch, bytes32 root, uint64 treeSize) {
        Head memory h = _heads[issuer];
        return (h.epoch, _roots[issuer][h.epoch], h.treeSize);
    }

    /// @inheritdoc IEvidenceAnchor
    function rootAt(address issuer, uint64 epoch) external view returns (bytes32) {
        uint64 headEpoch = _heads[issuer].epoch;
        if (epoch == 0 || epoch > headEpoch) revert EpochNotAnchored(issuer, epoch, headEpoch);
        return _roots[issuer][epoch];
    }
}
