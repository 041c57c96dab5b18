/**
 * Transparency (RFC 6962 / RFC 9162 Merkle trees, C2SP signed-note checkpoints, tlog-cosignature witnesses).
 *
 * STABLE PUBLIC API (the bundle verifier and the gateway import these names; do not rename):
 *   leafHash(bytes), nodeHash(l, r), rootOf(leafHashes), emptyRoot()
 *   verifyInclusion({ leafHash, index, treeSize, proof, root })          → void | FAILURE_INCLUSION_INVALID
 *   verifyConsistency({ size1, size2, root1, root2, proof })             → void | FAILURE_CONSISTENCY_INVALID
 *   inclusionProof(leafHashes | SubtreeSource, index, treeSize)          → Uint8Array[]
 *   consistencyProof(leafHashes | SubtreeSource, size1, size2)           → Uint8Array[]
 *   parseCheckpoint(text), formatCheckpoint(cp), signCheckpoint(cp, signer), openCheckpoint(note, log, origin)
 *   parseNote(note), formatNote(n), signNote(text, signers), verifyNote(note, verifiers)
 *   noteVerifierKey(name, publicKey, type?), parseVerifierKey(vkey), noteVerifierFromKey(vkey)
 *   cosign(checkpointText, witness, time), verifyCosignature(checkpointText, sig, witness, notAfter?)
 *   verifyWitnessQuorum(checkpointText, cosignatures, policy)            → QuorumResult | FAILURE_WITNESS_*
 *   verifyPublishedLine({ line, seq, proof, checkpointNote }, log, origin) → Checkpoint (signature + inclusion)
 * Hashes are raw bytes (Uint8Array, 32 bytes); `leafHashes` are already leafHash()ed. Sizes and indices are JS
 * safe integers. Every failure is a ProtocolError with a code from ./codes.
 */
export * from "./codes";
export { HASH_BYTES, emptyRoot, foldFrontier, leafHash, nodeHash, rootOf, sameBytes, splitPoint } from "./hash";
export { type LeafRange, consistencyRanges, inclusionRanges } from "./proofRanges";
export { type ProofSource, type SubtreeSource, consistencyProof, inclusionProof } from "./prove";
export { type InclusionClaim, rootFromInclusionProof, verifyInclusion } from "./verifyInclusion";
export { type ConsistencyClaim, verifyConsistency } from "./verifyConsistency";
export { decodeBase64Strict, encodeBase64 } from "./base64";
export {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type ParsedNote,
  type VerifiedNote,
  formatNote,
  formatSignatureLine,
  parseNote,
  signNote,
  verifyNote,
} from "./note";
export {
  type NoteSigner,
  type NoteVerifier,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  ecdsaNoteVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  isValidKeyName,
  noteKeyId,
  noteVerifierKey,
} from "./noteKeys";
export {
  type VerifierKey,
  formatSignerKey,
  noteVerifierFromKey,
  parseSignerKey,
  parseVerifierKey,
  witnessVerifierFromKey,
} from "./vkey";
export {
  type Checkpoint,
  type OpenedCheckpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from "./checkpoint";
export {
  type CosignatureVerifier,
  type VerifiedCosignature,
  cosign,
  cosignatureVerifier,
  cosignedMessage,
  verifyCosignature,
} from "./cosignature";
export { type QuorumResult, type WitnessPolicy, verifyWitnessQuorum } from "./witnessQuorum";
export { type PublishedLine, verifyPublishedLine } from "./verifyPublished";
export { ed25519PrivateKey, ed25519PublicKey, ed25519RawPublic, generateEd25519 } from "./ed25519";
