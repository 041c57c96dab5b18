import { type Address, type Hex, zeroHash } from "viem";

import type { AnchorChain, AnchoredEvent } from "../../../gateway/src/anchor";
import { ANCHOR_CODES } from "../../../gateway/src/anchor";
import { GatewayError } from "../../../gateway/src/errors";

/** An in-memory EvidenceAnchor for one issuer, with the contract's rules, that a test can take down. */
export class FakeAnchorChain implements AnchorChain {
  readonly chainId = 31337n;
  readonly contract: Address = "0x00000000000000000000000000000000000000c0";
  readonly issuer: Address = "0x00000000000000000000000000000000000000e1";
  readonly events_: AnchoredEvent[] = [];
  down = false;
  /** When set, the next anchor is mined but the call then fails (a crash between mining and recording). */
  loseNextAnswer = false;
  sent = 0;

  private check(): void {
    if (this.down) throw new GatewayError(ANCHOR_CODES.CHAIN_UNAVAILABLE, 503, "down");
  }

  async head() {
    this.check();
    const last = this.events_[this.events_.length - 1];
    return last === undefined
      ? { epoch: 0n, root: zeroHash as Hex, treeSize: 0n }
      : { epoch: last.epoch, root: last.root, treeSize: last.treeSize };
  }

  async anchor(epoch: bigint, prevRoot: Hex, root: Hex, treeSize: bigint) {
    this.check();
    const head = await this.head();
    if (epoch !== head.epoch + 1n || prevRoot !== head.root || treeSize < head.treeSize) {
      throw new GatewayError(ANCHOR_CODES.REFUSED, 503, "refused");
    }
    this.sent += 1;
    const mined = {
      transactionHash: `0x${this.sent.toString(16).padStart(64, "0")}` as Hex,
      blockNumber: BigInt(this.sent),
    };
    this.events_.push({ epoch, root, treeSize, ...mined });
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new GatewayError(ANCHOR_CODES.CHAIN_UNAVAILABLE, 503, "answer lost");
    }
    return mined;
  }

  async events(fromEpoch: bigint, toEpoch: bigint) {
    this.check();
    return this.events_.filter((e) => e.epoch >= fromEpoch && e.epoch <= toEpoch);
  }
}
