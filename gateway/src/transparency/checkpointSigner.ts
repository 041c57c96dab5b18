import type { KeyObject } from "node:crypto";
import type { Address } from "viem";

import {
  type NoteSigner,
  SIG_TYPE_ED25519,
  ed25519NoteSigner,
  noteVerifierKey,
  signCheckpoint,
} from "../../../client/src/protocol/transparency";
import { transparencyError } from "./codes";

/** The log's origin line (and checkpoint key name): `swarm-gateway/<chainId>/<market>/<gateway>`, lowercase. */
export function checkpointOrigin(chainId: bigint | number, market: Address, gateway: Address): string {
  return `swarm-gateway/${BigInt(chainId).toString(10)}/${market.toLowerCase()}/${gateway.toLowerCase()}`;
}

/** Signs checkpoints of one log as C2SP signed notes, remembering the last one (a note per size is enough). */
export class CheckpointSigner {
  /** The verifier key string clients and witnesses pin: `<origin>+<key ID>+<base64(0x01 || key)>`. */
  readonly verifierKey: string;
  private readonly signer: NoteSigner;
  private last: { size: number; note: string } | undefined;

  constructor(
    readonly origin: string,
    privateKey: KeyObject,
  ) {
    try {
      this.signer = ed25519NoteSigner(origin, privateKey);
      this.verifierKey = noteVerifierKey(origin, privateKey, SIG_TYPE_ED25519);
    } catch (cause) {
      throw transparencyError(
        "CHECKPOINT_CONFIG_INVALID",
        "expected an Ed25519 checkpoint key and a valid origin",
        cause,
      );
    }
  }

  /** The signed checkpoint of the tree of `treeSize` leaves with root `root` (cached for the last size). */
  sign(treeSize: number, root: Uint8Array): string {
    if (this.last?.size === treeSize) return this.last.note;
    const note = signCheckpoint({ origin: this.origin, treeSize, rootHash: root, extensions: [] }, this.signer);
    this.last = { size: treeSize, note };
    return note;
  }
}
