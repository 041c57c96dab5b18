import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  BaseError,
  ContractFunctionRevertedError,
} from "viem";

import { evidenceAnchorAbi } from "../../../client/src/protocol/abi/evidenceAnchor";
import { ANCHOR_CODES, anchorError } from "./codes";

/** An issuer's head on the contract. */
export interface AnchorHead {
  epoch: bigint;
  root: Hex;
  treeSize: bigint;
}

/** One `Anchored` event. */
export interface AnchoredEvent extends AnchorHead {
  transactionHash: Hex;
  blockNumber: bigint;
}

/** What the anchorer asks of the chain, for the one issuer it anchors as. */
export interface AnchorChain {
  readonly chainId: bigint;
  readonly contract: Address;
  readonly issuer: Address;
  head(): Promise<AnchorHead>;
  /** Sends `anchor(...)` after simulating it, and resolves with the mined transaction. */
  anchor(
    epoch: bigint,
    prevRoot: Hex,
    root: Hex,
    treeSize: bigint,
  ): Promise<{ transactionHash: Hex; blockNumber: bigint }>;
  /** The issuer's `Anchored` events with `fromEpoch ≤ epoch ≤ toEpoch`, in epoch order. */
  events(fromEpoch: bigint, toEpoch: bigint): Promise<AnchoredEvent[]>;
}

export interface AnchorChainOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  contract: Address;
  confirmations: number;
  /** The block to search events from (the contract's deploy block). */
  fromBlock: bigint;
  /** How long to wait for the anchor's receipt before giving the round up (it is recovered later). Default 120 s. */
  receiptTimeoutMs?: number;
}

/** A contract revert's error name, or undefined when the failure was a transport one. */
function revertName(err: unknown): string | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? (reverted.data?.errorName ?? "unknown") : undefined;
}

/** Runs a chain call, mapping reverts to ANCHOR_REFUSED and everything else to ANCHOR_CHAIN_UNAVAILABLE. */
async function onChain<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const name = revertName(err);
    if (name !== undefined) throw anchorError(ANCHOR_CODES.REFUSED, `${what}: the contract refused with ${name}`, err);
    throw anchorError(ANCHOR_CODES.CHAIN_UNAVAILABLE, `${what}: chain unavailable`, err);
  }
}

/** The EvidenceAnchor contract through viem, as the wallet client's account. */
export function createAnchorChain(o: AnchorChainOptions): AnchorChain {
  const issuer = o.walletClient.account.address;
  const chainId = BigInt(o.walletClient.chain.id);
  return {
    chainId,
    contract: o.contract,
    issuer,
    async head() {
      const [epoch, root, treeSize] = await onChain("read head", () =>
        o.publicClient.readContract({
          address: o.contract,
          abi: evidenceAnchorAbi,
          functionName: "head",
          args: [issuer],
        }),
      );
      return { epoch: BigInt(epoch), root, treeSize: BigInt(treeSize) };
    },
    async anchor(epoch, prevRoot, root, treeSize) {
      const hash = await onChain("anchor", async () => {
        const { request } = await o.publicClient.simulateContract({
          account: o.walletClient.account,
          address: o.contract,
          abi: evidenceAnchorAbi,
          functionName: "anchor",
          args: [epoch, root, treeSize, prevRoot],
        });
        return o.walletClient.writeContract(request);
      });
      const receipt = await onChain("anchor receipt", () =>
        o.publicClient.waitForTransactionReceipt({
          hash,
          confirmations: o.confirmations,
          timeout: o.receiptTimeoutMs ?? 120_000,
        }),
      );
      if (receipt.status !== "success") {
        throw anchorError(ANCHOR_CODES.REVERTED, `anchor transaction ${hash} reverted`);
      }
      return { transactionHash: hash, blockNumber: receipt.blockNumber };
    },
    async events(fromEpoch, toEpoch) {
      const logs = await onChain("read Anchored events", () =>
        o.publicClient.getContractEvents({
          address: o.contract,
          abi: evidenceAnchorAbi,
          eventName: "Anchored",
          args: { issuer },
          fromBlock: o.fromBlock,
          toBlock: "latest",
          strict: true,
        }),
      );
      return logs
        .filter((l) => l.args.epoch >= fromEpoch && l.args.epoch <= toEpoch)
        .map((l) => ({
          epoch: BigInt(l.args.epoch),
          root: l.args.root,
          treeSize: BigInt(l.args.treeSize),
          transactionHash: l.transactionHash,
          blockNumber: l.blockNumber,
        }))
        .sort((a, b) => (a.epoch < b.epoch ? -1 : a.epoch > b.epoch ? 1 : 0));
    },
  };
}
