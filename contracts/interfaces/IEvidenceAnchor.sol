// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title EvidenceAnchor
/// @notice An append-only record of transparency-log roots, one chain of epochs per issuer (the sending
///         address). Epoch 0 is the implicit genesis (zero root, tree size 0); each anchor names the head it
///         extends, so an issuer cannot fork or rewrite its own history once anchored.
interface IEvidenceAnchor {
    /// @notice `issuer` anchored `root` of a tree of `treeSize` leaves as its epoch `epoch`.
    event Anchored(address indexed issuer, uint64 indexed epoch, bytes32 root, uint64 treeSize);

    /// @notice The anchor is not the epoch right after the issuer's head.
    error EpochOutOfOrder(address issuer, uint64 expected, uint64 got);
    /// @notice The anchor does not extend the issuer's head root (a fork or a stale view).
    error PrevRootMismatch(address issuer, bytes32 expected, bytes32 got);
    /// @notice The anchored tree is smaller than the issuer's head tree.
    error TreeSizeDecreased(address issuer, uint64 headSize, uint64 got);
    /// @notice The tree did not grow, yet its root changed: two different trees of one size.
    error RootChangedWithoutGrowth(address issuer, uint64 treeSize, bytes32 headRoot, bytes32 root);
    /// @notice The zero root is the genesis sentinel and cannot be anchored.
    error ZeroRoot();
    /// @notice The issuer has no anchored epoch of this number.
    error EpochNotAnchored(address issuer, uint64 epoch, uint64 head);

    /// @notice Appends epoch `epoch` for the caller: `epoch` must be its head epoch + 1, `prevRoot` its head root
    ///         (zero for the first epoch), `treeSize` at least its head tree size, and `root` equal to `prevRoot`
    ///         when the tree did not grow.
    /// @param epoch The new epoch number (head + 1).
    /// @param root The new Merkle root (RFC 6962 SHA-256), not zero.
    /// @param treeSize The number of leaves under `root`.
    /// @param prevRoot The root of the caller's head epoch (zero before the first epoch).
    function anchor(uint64 epoch, bytes32 root, uint64 treeSize, bytes32 prevRoot) external;

    /// @notice The issuer's latest epoch with its root and tree size; (0, 0, 0) before its first anchor.
    function head(address issuer) external view returns (uint64 epoch, bytes32 root, uint64 treeSize);

    /// @notice The root the issuer anchored as `epoch`; reverts `EpochNotAnchored` for 0 or an epoch past the head.
    function rootAt(address issuer, uint64 epoch) external view returns (bytes32 root);
}
