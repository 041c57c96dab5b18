import type { GatewayError } from "../errors";
import { receiptError } from "./codes";
import type { LedgerFile } from "./ledgerFs";

/** A line waiting for the disk. */
export interface QueuedLine {
  /** The line's bytes including its newline. */
  readonly bytes: Buffer;
}

interface Waiter<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (err: GatewayError) => void;
}

/**
 * Group commit: lines queued while a write+fsync is in flight go out together in the next single write+fsync, in
 * queue order, at the end of the file. A line's promise resolves only after the fsync that covers it. A failed
 * write or fsync poisons the writer: what reached the disk is unknown (a failed fsync may have dropped dirty pages),
 * so every waiting and later line is refused with LEDGER_WRITE_FAILED until the ledger is reopened and re-verified.
 */
export class GroupCommit<T extends QueuedLine> {
  private queue: Waiter<T>[] = [];
  private queuedBytes = 0;
  private running: Promise<void> | undefined;
  private failure: GatewayError | undefined;

  constructor(
    private readonly file: LedgerFile,
    /** Offset where the next batch is written: the end of the last durable line. */
    private end: number,
    private readonly maxQueuedBytes: number,
    /** Called once per durable batch, in order, before its promises resolve. */
    private readonly onDurable: (items: readonly T[], offset: number) => void,
  ) {}

  /** Throws unless a line of `length` bytes could be queued now: call before giving the line a seq. */
  admit(length: number): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.queuedBytes + length > this.maxQueuedBytes) {
      throw receiptError("LEDGER_OVERLOADED", `expected at most ${this.maxQueuedBytes} bytes queued for the disk`);
    }
  }

  /** Queues a line (after `admit`); resolves once it is durable. */
  enqueue(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.queuedBytes += item.bytes.length;
      // Start on a microtask, so that appends made in the same tick share the first write+fsync too.
      this.running ??= Promise.resolve().then(() => this.run());
    });
  }

  /** Resolves once every queued line has been written (or refused). */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined) {
      const batch = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      const data = Buffer.concat(batch.map((w) => w.item.bytes));
      try {
        await this.writeFully(data);
        await this.file.sync();
      } catch (cause) {
        this.failure = receiptError("LEDGER_WRITE_FAILED", "a ledger write or fsync failed; reopen the ledger", cause);
        for (const waiter of [...batch, ...this.queue]) waiter.reject(this.failure);
        this.queue = [];
        this.queuedBytes = 0;
        break;
      }
      const offset = this.end;
      this.end += data.length;
      this.onDurable(
        batch.map((w) => w.item),
        offset,
      );
      for (const waiter of batch) waiter.resolve();
    }
    this.running = undefined;
  }

  private async writeFully(data: Buffer): Promise<void> {
    for (let done = 0; done < data.length;) {
      const written = await this.file.write(data.subarray(done), this.end + done);
      if (written <= 0) throw new Error("the file took no bytes");
      done += written;
    }
  }
}
