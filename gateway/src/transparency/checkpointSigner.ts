import type { KeyObject } from "node:crypto";
import type { Address } from "viem";

import { type MlDsaKeyPair, mlDsaNoteSigner } from "../../../client/src/protocol/hybrid";
import {
  type NoteSigner,
  SIG_TYPE_ED25519,
  ed25519NoteSigner,
  formatCheckpoint,
  noteVerifierKey,
  signNote,
} from "../../../client/src/protocol/transparency";
import { transparencyError } from "./codes";

/** The log's origin line (and checkpoint key name): `swarm-gateway/<chainId>/<market>/<gateway>`, lowercase. */
export function checkpointOrigin(chainId: bigint | number, market: Address, gateway: Address): string {
  return `swarm-gateway/${BigInt(chainId).toString(10)}/${market.toLowerCase()}/${gateway.toLowerCase()}`;
}

/**
 * Signs checkpoints of one log as C2SP signed notes, remembering the last one (a note per size is enough). With an
 * ML-DSA-65 key, each note carries a second line under the same key name (type 0xff "ML-DSA-65", after the Ed25519
 * line): verifiers that know only Ed25519 ignore it as an unknown key's; hybrid ones check both (`verifyHybridNote`).
 */
export class CheckpointSigner {
  /** The verifier key string clients and witnesses pin: `<origin>+<key ID>+<base64(0x01 || key)>`. */
  readonly verifierKey: string;
  /** The ML-DSA-65 public key of the second signature line, when notes are signed hybrid. */
  readonly mlDsaPublicKey: Uint8Array | undefined;
  private readonly signers: readonly NoteSigner[];
  private last: { size: number; note: string } | undefined;

  constructor(
    readonly origin: string,
    privateKey: KeyObject,
    mlDsa?: MlDsaKeyPair,
  ) {
    try {
      const ed25519 = ed25519NoteSigner(origin, privateKey);
      this.signers = mlDsa === undefined ? [ed25519] : [ed25519, mlDsaNoteSigner(origin, mlDsa)];
      this.mlDsaPublicKey = mlDsa?.publicKey;
      this.verifierKey = noteVerifierKey(origin, privateKey, SIG_TYPE_ED25519);
    } catch (cause) {
      throw transparencyError(
        "CHECKPOINT_CONFIG_INVALID",
        "expected an Ed25519 checkpoint key (and ML-DSA-65 key) and a valid origin",
        cause,
      );
    }
  }

  /** The signed checkpoint of the tree of `treeSize` leaves with root `root` (cached for the last size). */
  sign(treeSize: number, root: Uint8Array): string {
    if (this.last?.size === treeSize) return this.last.note;
    const text = formatCheckpoint({ origin: this.origin, treeSize, rootHash: root, extensions: [] });
    const note = signNote(text, this.signers);
    this.last = { size: treeSize, note };
    return note;
  }
}
