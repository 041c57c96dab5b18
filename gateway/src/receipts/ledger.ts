import type { Clock } from "../../../client/src/protocol/clock";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { GatewayError } from "../errors";
import { receiptError } from "./codes";
import { type HybridReceiptSigner, type ReceiptEnvelope, envelopeLine, signReceipt } from "./envelope";
import { GroupCommit } from "./groupCommit";
import { verifyIssuer } from "./issuer";
import { type ReceiptSigner, receiptKeyId, verifyEd25519PublicKey, verifySigner } from "./keyid";
import { type LedgerFile, nodeLedgerFs } from "./ledgerFs";
import {
  DEFAULT_MAX_QUEUED_BYTES,
  type LedgerHead,
  type LedgerLine,
  type LedgerOpenReport,
  type LedgerOptions,
  MAX_RANGE,
} from "./ledgerTypes";
import { type Hex, MAX_LINE_BYTES, type Receipt, type ReceiptEntry } from "./receipt";
import { type RecoveredLedger, recoverLedger } from "./recoverLedger";
import { rotationReceipt } from "./rotation";
import { verifyReceiptEntry } from "./verifyReceipt";

const NEWLINE = Buffer.from("\n");

interface PendingLine extends LedgerLine {
  readonly bytes: Buffer;
  readonly hash: Hex;
}

/** Opens (or creates) a ledger: verifies every line, repairs a torn tail, and checks the signer against the chain. */
export async function openLedger(options: LedgerOptions): Promise<ReceiptLedger> {
  try {
    verifyIssuer(options.issuer);
  } catch (cause) {
    throw receiptError("LEDGER_CONFIG_INVALID", "expected issuer eip155:<chainId>:<lowercase address>", cause);
  }
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (!Number.isSafeInteger(maxQueued) || maxQueued <= MAX_LINE_BYTES) {
    throw receiptError("LEDGER_CONFIG_INVALID", `expected maxQueuedBytes above ${MAX_LINE_BYTES}`);
  }
  verifySigner(options.signer);
  const genesisKey = verifyEd25519PublicKey(options.genesisPublicKey ?? options.signer.publicKey);
  let file: LedgerFile;
  try {
    file = (await (options.fs ?? nodeLedgerFs).open(options.path)).file;
  } catch (cause) {
    throw receiptError("LEDGER_IO_FAILED", "could not open or create the ledger file", cause);
  }
  try {
    const recovered = await recoverLedger(file, {
      issuer: options.issuer,
      genesisKey,
      ...(options.signer.mlDsa === undefined ? {} : { mlDsaKey: options.signer.mlDsa.publicKey }),
    });
    const chainKid = receiptKeyId(recovered.key);
    const signerKid = receiptKeyId(options.signer.publicKey);
    if (chainKid !== signerKid) {
      throw receiptError(
        "LEDGER_KEY_MISMATCH",
        `expected the signer to be the chain's key ${chainKid}, got ${signerKid}`,
      );
    }
    return new ReceiptLedger(file, recovered, options);
  } catch (err) {
    await file.close().catch(() => undefined);
    if (err instanceof GatewayError) throw err;
    throw receiptError("LEDGER_IO_FAILED", "could not read or repair the ledger file", err);
  }
}

/** The append-only, hash-chained, signed receipt ledger. Create it with `openLedger`. */
export class ReceiptLedger {
  /** What opening the file found and repaired. */
  readonly opened: LedgerOpenReport;
  private readonly writer: GroupCommit<PendingLine>;
  private readonly issuer: string;
  private readonly clock: Clock;
  private signer: HybridReceiptSigner;
  /** Assigned at append time, so seq and prev follow call order. */
  private nextSeq: number;
  private lastHash: Hex;
  /** Durable lines only: byte offset of each, the end of the last, and its hash. */
  private readonly offsets: number[];
  private durableEnd: number;
  private durableHash: Hex;
  private closed = false;
  private readonly durableListeners = new Set<(lines: readonly LedgerLine[]) => void>();

  /** Use `openLedger`. */
  constructor(
    private readonly file: LedgerFile,
    recovered: RecoveredLedger,
    options: LedgerOptions,
  ) {
    this.issuer = options.issuer;
    this.clock = options.clock;
    this.signer = options.signer;
    this.offsets = recovered.offsets;
    this.nextSeq = recovered.offsets.length;
    this.lastHash = this.durableHash = recovered.lastLineHash;
    this.durableEnd = recovered.end;
    this.opened = { size: this.nextSeq, rotations: recovered.rotations, repair: recovered.repair };
    const maxQueued = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.writer = new GroupCommit<PendingLine>(file, recovered.end, maxQueued, (lines, offset) => {
      for (const l of lines) {
        this.offsets.push(offset);
        offset += l.bytes.length;
      }
      this.durableEnd = offset;
      this.durableHash = lines[lines.length - 1]!.hash;
      for (const listener of this.durableListeners) {
        try {
          listener(lines);
        } catch {
          // A listener (the transparency tree) must never fail an append that is already durable.
        }
      }
    });
  }

  /** Calls `listener` with each batch of lines once durable, in seq order, before their appends resolve. */
  onDurable(listener: (lines: readonly LedgerLine[]) => void): () => void {
    this.durableListeners.add(listener);
    return () => this.durableListeners.delete(listener);
  }

  /** Signs and appends a receipt; resolves once its line is written and fsynced. Never a key-rotation. */
  async append(entry: ReceiptEntry): Promise<LedgerLine> {
    const checked = verifyReceiptEntry(entry);
    if (checked.kind === "key-rotation") {
      throw receiptError("RECEIPT_SCHEMA_INVALID", "expected a kind other than key-rotation (use rotateKey)");
    }
    return this.commit(this.assign(checked));
  }

  /**
   * Appends a key-rotation receipt signed with the current key, then signs every later line with `next`. The
   * rotation is of the Ed25519 key: a hybrid ledger keeps its ML-DSA-65 key (rotating that one has no receipt yet).
   */
  async rotateKey(next: ReceiptSigner): Promise<LedgerLine> {
    verifySigner(next);
    const pending = this.assign(rotationReceipt(this.signer.publicKey, next.publicKey));
    this.signer = this.signer.mlDsa === undefined ? next : { ...next, mlDsa: this.signer.mlDsa };
    return this.commit(pending);
  }

  /** The durable head: acknowledged lines only. */
  head(): LedgerHead {
    return { size: this.offsets.length, lastLineHash: this.durableHash };
  }

  /** The durable line at `seq`; RECEIPT_NOT_FOUND beyond the head. */
  async get(seq: number): Promise<LedgerLine> {
    this.assertOpen();
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= this.offsets.length) {
      throw receiptError("RECEIPT_NOT_FOUND", `expected seq in [0, ${this.offsets.length}), got ${seq}`);
    }
    const [line] = await this.readLines(seq, seq + 1);
    return line!;
  }

  /** Durable lines with fromSeq ≤ seq < toSeq, at most `limit` (≤ MAX_RANGE) of them, from the first. */
  async range(fromSeq: number, toSeq: number, limit: number): Promise<LedgerLine[]> {
    this.assertOpen();
    const size = this.offsets.length;
    const ints = [fromSeq, toSeq, limit].every(Number.isSafeInteger);
    if (!ints || fromSeq < 0 || fromSeq > toSeq || toSeq > size || limit < 1 || limit > MAX_RANGE) {
      throw receiptError(
        "LEDGER_RANGE_INVALID",
        `expected 0 ≤ from ≤ to ≤ ${size} and 1 ≤ limit ≤ ${MAX_RANGE}, got ${fromSeq}, ${toSeq}, ${limit}`,
      );
    }
    return this.readLines(fromSeq, Math.min(toSeq, fromSeq + limit));
  }

  /** Waits for queued lines to become durable, then closes the file. Later calls fail with LEDGER_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.drain();
    await this.file.close();
  }

  private assertOpen(): void {
    if (this.closed) throw receiptError("LEDGER_CLOSED", "the ledger is closed");
  }

  /** Builds, signs and reserves the next line, synchronously, so seq and prev follow call order exactly. */
  private assign(entry: ReceiptEntry): PendingLine {
    this.assertOpen();
    const receipt: Receipt = {
      seq: String(this.nextSeq),
      prev: this.lastHash,
      issuedAt: issuedAt(this.clock),
      issuer: this.issuer,
      kind: entry.kind,
      subject: entry.subject,
      actor: entry.actor,
      intent: entry.intent,
      result: entry.result,
    };
    const envelope = signReceipt(receipt, this.signer);
    const line = envelopeLine(envelope);
    const bytes = Buffer.concat([line, NEWLINE]);
    this.writer.admit(bytes.length);
    const hash = sha256Hex(line);
    const pending: PendingLine = { seq: this.nextSeq, line, envelope, bytes, hash };
    this.nextSeq += 1;
    this.lastHash = hash;
    return pending;
  }

  private async commit(pending: PendingLine): Promise<LedgerLine> {
    await this.writer.enqueue(pending);
    return { seq: pending.seq, line: pending.line, envelope: pending.envelope };
  }

  private async readLines(from: number, to: number): Promise<LedgerLine[]> {
    if (from === to) return [];
    const start = this.offsets[from]!;
    const end = to < this.offsets.length ? this.offsets[to]! : this.durableEnd;
    let data: Buffer;
    try {
      data = await this.file.read(start, end - start);
    } catch (cause) {
      throw receiptError("LEDGER_IO_FAILED", `could not read the ledger at offset ${start}`, cause);
    }
    if (data.length !== end - start) throw receiptError("LEDGER_CORRUPT", `short read at offset ${start}`);
    const lines: LedgerLine[] = [];
    for (let seq = from; seq < to; seq++) {
      const lineEnd = (seq + 1 < to ? this.offsets[seq + 1]! : end) - start - 1;
      const line = Buffer.from(data.subarray(this.offsets[seq]! - start, lineEnd));
      lines.push({ seq, line, envelope: JSON.parse(line.toString("utf8")) as ReceiptEnvelope });
    }
    return lines;
  }
}

/** The clock's time as RFC 3339 UTC with milliseconds; RECEIPT_SCHEMA_INVALID for an invalid date. */
function issuedAt(clock: Clock): string {
  const now = clock();
  if (Number.isNaN(now.getTime()))
    throw receiptError("RECEIPT_SCHEMA_INVALID", "expected the clock to give a valid date");
  return now.toISOString();
}
