// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Step, StepAttestation, StepPermit, StepStatus} from "./SwarmTypes.sol";

/// @title Settlement
/// @notice Claims carry a quorum of verifier StepAttestations; the seller is paid after the dispute window,
///         the buyer is refunded on timeout or a lost dispute. Every window is open iff now < start + window;
///         its timeout action is allowed iff now >= start + window. No function here reads the pause.
interface ISettlement {
    /// @notice A step was claimed with a verified certificate.
    event StepClaimed(
        uint256 indexed entitlementId,
        uint32 indexed step,
        bytes32 certificateHash,
        bytes32 prevCertificateHash
    );
    /// @notice The buyer disputed a claimed step and posted the bond.
    event StepDisputed(uint256 indexed entitlementId, uint32 indexed step, uint256 bond);
    /// @notice The arbiter ruled on a disputed step.
    event DisputeRuled(uint256 indexed entitlementId, uint32 indexed step, bool sellerWins);
    /// @notice The arbiter stayed silent past its timeout: price to the seller, bond back to the buyer.
    event DisputeLapsed(uint256 indexed entitlementId, uint32 indexed step);
    /// @notice The step's price was credited to the seller.
    event StepSettled(uint256 indexed entitlementId, uint32 indexed step, uint256 amount);
    /// @notice The step's price was credited back to the buyer.
    event StepRefunded(uint256 indexed entitlementId, uint32 indexed step, uint256 amount);

    /// @notice The step is not in the status this action needs.
    error InvalidStepStatus(uint256 entitlementId, uint32 step, StepStatus expected, StepStatus actual);
    /// @notice The action's window closed at `closedAt`.
    error WindowClosed(uint256 closedAt, uint256 timestamp);
    /// @notice The timeout this action waits for ends at `endsAt`.
    error WindowNotElapsed(uint256 endsAt, uint256 timestamp);
    /// @notice The permit presented is not the one consumed for this step.
    error PermitDigestMismatch(bytes21 consumed, bytes21 presented);
    /// @notice The attestation names another entitlement or step than the permit.
    error AttestationTargetMismatch(uint256 entitlementId, uint32 step);
    /// @notice The attestation's permit digest differs from the consumed permit's.
    error AttestedPermitMismatch(bytes32 expected, bytes32 got);
    /// @notice The attestation's commit differs from the offer's.
    error CommitMismatch(bytes20 expected, bytes20 got);
    /// @notice The attestation's policy hash differs from the offer's.
    error PolicyMismatch(bytes32 expected, bytes32 got);
    /// @notice The attestation's certificate hash is zero.
    error ZeroCertificateHash();
    /// @notice The step continues from a step that has no certificate yet.
    error FromStepNotClaimed(uint256 entitlementId, uint32 fromStep);
    /// @notice The attestation's previous certificate hash differs from the fromStep's stored one.
    error PrevCertificateMismatch(bytes32 expected, bytes32 got);
    /// @notice Fewer signatures than the offer's quorum.
    error QuorumNotReached(uint256 signatures, uint256 quorum);
    /// @notice Signature `index` is malformed or malleable.
    error InvalidVerifierSignature(uint256 index);
    /// @notice Signature `index` recovers to an address that is not one of the offer's verifiers.
    error NotAVerifier(uint256 index, address signer);
    /// @notice Signers must be strictly ascending, so each verifier counts once.
    error VerifierSignaturesNotAscending(uint256 index, address signer);
    /// @notice The buyer authorized a step continuing from this one, and so accepted it.
    error StepAlreadyContinued(uint256 entitlementId, uint32 step, uint32 maxFromStep);
    /// @notice Only the offer's arbiter may rule.
    error NotArbiter(address arbiter, address caller);

    /// @notice Claims a consumed step with a quorum of verifier signatures over `attestation`. Anyone may call.
    /// @dev Signatures are 65-byte ECDSA, ordered by strictly ascending signer address.
    function claim(
        StepPermit calldata permit,
        StepAttestation calldata attestation,
        bytes[] calldata signatures
    ) external;

    /// @notice Disputes a claimed step, posting the offer's dispute bond. Only the buyer, within the dispute window.
    function dispute(uint256 entitlementId, uint32 step) external payable;

    /// @notice Rules on a disputed step: price and bond to the winner. Only the arbiter, before its timeout.
    function rule(uint256 entitlementId, uint32 step, bool sellerWins) external;

    /// @notice Settles a dispute the arbiter left unruled past its timeout. Anyone may call.
    function settleLapsedDispute(uint256 entitlementId, uint32 step) external;

    /// @notice Accepts a claimed step at once, paying the seller. Only the buyer.
    function accept(uint256 entitlementId, uint32 step) external;

    /// @notice Settles a claimed step once its dispute window has passed. Anyone may call.
    function finalize(uint256 entitlementId, uint32 step) external;

    /// @notice Refunds a consumed step that was not claimed within the step timeout. Anyone may call.
    function reclaim(uint256 entitlementId, uint32 step) external;

    /// @notice Reads a step.
    function getStep(uint256 entitlementId, uint32 step) external view returns (Step memory);

    /// @notice The EIP-712 digest of an attestation under this market's domain.
    function hashStepAttestation(StepAttestation calldata attestation) external view returns (bytes32);
}
