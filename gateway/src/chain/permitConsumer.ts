import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type TypedDataDomain,
  type WalletClient,
  decodeErrorResult,
  parseEventLogs,
} from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import type { StepPermit } from "../../../client/src/protocol/eip712";
import { GatewayError } from "../errors";
import { permitDigest } from "../permits/verifySignature";
import { contractRevert, withChain } from "./rpc";

/** What the chain recorded for a consumed permit. */
export interface Consumption {
  permitDigest: Hex;
  transactionHash: Hex;
  blockNumber: bigint;
  consumedAt: bigint;
}

/** Consumes permits on-chain for the gateway's one sender address. */
export interface PermitConsumer {
  /**
   * Resolves once the permit is consumed with the configured confirmations; rejects with a GatewayError. `digest`
   * is the permit's EIP-712 digest when the caller has it already (it is computed here otherwise).
   */
  consume(permit: StepPermit, signature: Hex, digest?: Hex): Promise<Consumption>;
  /** Waits for every batch in flight. */
  drain(): Promise<void>;
}

export interface PermitConsumerOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  market: Address;
  confirmations: number;
  /** The most permits one consumeBatch carries. */
  maxBatch: number;
  /** Batches sent but not yet confirmed; the account's nonce manager keeps their nonces apart. */
  maxInFlight: number;
  /** The market's EIP-712 domain. */
  domain: TypedDataDomain;
}

interface Pending {
  permit: StepPermit;
  signature: Hex;
  digest: Hex;
  resolve(c: Consumption): void;
  reject(e: unknown): void;
}

/**
 * Batches permits that arrive together into one consumeBatch transaction: each is simulated, sent, and
 * settled from the receipt's StepConsumed / StepConsumeSkipped events, so a caller hears "consumed" only for
 * an item the chain reports consumed. One hostile item (say, a gas-burning wallet) is skipped by the contract
 * and refused here; the others go through.
 */
export function createPermitConsumer(options: PermitConsumerOptions): PermitConsumer {
  const queue: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  let scheduled = false;
  // Sends are serialized so transactions reach the node in nonce order (a node may refuse a nonce gap);
  // only the waits for receipts overlap.
  let sending: Promise<unknown> = Promise.resolve();
  const send: SendInOrder = (run) => {
    const next = sending.then(run, run);
    sending = next.catch(() => undefined);
    return next;
  };

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (queue.length > 0 && inFlight.size < options.maxInFlight) {
        const batch = queue.splice(0, options.maxBatch);
        const run = sendBatch(options, batch, send).finally(() => {
          inFlight.delete(run);
          if (queue.length > 0) schedule();
        });
        inFlight.add(run);
      }
    });
  }

  return {
    consume(permit, signature, digest) {
      return new Promise<Consumption>((resolve, reject) => {
        queue.push({ permit, signature, digest: digest ?? permitDigest(permit, options.domain), resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (inFlight.size > 0 || queue.length > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** Gas limit of a consumeBatch transaction: a base, plus a worst case per permit (a capped ERC-1271 check). */
const BATCH_BASE_GAS = 80_000n;
const PER_PERMIT_GAS = 120_000n;

/** Runs a send after every send started before it has finished. */
type SendInOrder = <T>(run: () => Promise<T>) => Promise<T>;

async function sendBatch(options: PermitConsumerOptions, batch: Pending[], send: SendInOrder): Promise<void> {
  const { publicClient, walletClient, market } = options;
  try {
    const request = {
      address: market,
      abi: swarmMarketAbi,
      functionName: "consumeBatch",
      args: [batch.map((b) => b.permit), batch.map((b) => b.signature)],
      account: walletClient.account,
      chain: walletClient.chain,
    } as const;
    const { result } = await withChain("consumeBatch simulation", () => publicClient.simulateContract(request));
    const accepted = batch.filter((_, i) => result[i] === true);
    await Promise.all(batch.filter((_, i) => result[i] !== true).map((b) => refuseWithReason(options, b)));
    if (accepted.length === 0) return;

    // The simulation above already ran the batch; a gas limit covering the worst case (every item a contract
    // signer using its whole ERC-1271 allowance) saves the node a second run for estimation. Unused gas is not paid.
    const gas = BATCH_BASE_GAS + PER_PERMIT_GAS * BigInt(accepted.length);
    const sendable = {
      ...request,
      args: [accepted.map((b) => b.permit), accepted.map((b) => b.signature)],
      gas,
    } as const;
    const hash = await send(() => withChain("consumeBatch", () => walletClient.writeContract(sendable)));
    const receipt = await withChain("consumeBatch receipt", () =>
      publicClient.waitForTransactionReceipt({ hash, confirmations: options.confirmations }),
    );
    if (receipt.status !== "success") {
      throw new GatewayError("CHAIN_UNAVAILABLE", 503, `consumeBatch ${hash} reverted`);
    }
    const block = await withChain("block", () => publicClient.getBlock({ blockNumber: receipt.blockNumber }));
    const logs = parseEventLogs({ abi: swarmMarketAbi, logs: receipt.logs, strict: true });
    accepted.forEach((item, index) => {
      // Match on the digest, not (entitlement, step): a second permit for the same step in the batch is skipped.
      const consumed = logs.find((l) => l.eventName === "StepConsumed" && l.args.permitDigest === item.digest);
      if (consumed?.eventName === "StepConsumed") {
        item.resolve({
          permitDigest: consumed.args.permitDigest,
          transactionHash: hash,
          blockNumber: receipt.blockNumber,
          consumedAt: block.timestamp,
        });
        return;
      }
      const skipped = logs.find((l) => l.eventName === "StepConsumeSkipped" && l.args.index === BigInt(index));
      const reason = skipped?.eventName === "StepConsumeSkipped" ? errorName(skipped.args.reason) : "unknown";
      item.reject(notConsumed(reason));
    });
  } catch (err) {
    // The chain's nonce may have moved under us (another sender, a restarted node): start again from it.
    walletClient.account.nonceManager?.reset({ address: walletClient.account.address, chainId: walletClient.chain.id });
    for (const item of batch) item.reject(err);
  }
}

/** Finds out why the contract would refuse an item, by simulating consume alone. */
async function refuseWithReason(options: PermitConsumerOptions, item: Pending): Promise<void> {
  try {
    await options.publicClient.simulateContract({
      address: options.market,
      abi: swarmMarketAbi,
      functionName: "consume",
      args: [item.permit, item.signature],
      account: options.walletClient.account,
    });
    item.reject(notConsumed("state changed between simulations"));
  } catch (err) {
    const reverted = contractRevert(err);
    if (reverted !== undefined) {
      item.reject(notConsumed(reverted.errorName));
    } else {
      item.reject(
        new GatewayError("CHAIN_UNAVAILABLE", 503, "chain unavailable while simulating consume", { cause: err }),
      );
    }
  }
}

function errorName(data: Hex): string {
  try {
    return decodeErrorResult({ abi: swarmMarketAbi, data }).errorName;
  } catch {
    return "unknown";
  }
}

function notConsumed(reason: string): GatewayError {
  return new GatewayError("PERMIT_NOT_CONSUMED", 409, `the market refused to consume the permit: ${reason}`);
}
