import type { KeyObject } from "node:crypto";
import type { Clock } from "../protocol/clock";
import { GENESIS_PREV } from "../protocol/receipts";
import {
  collectCheckpoint,
  collectEvidence,
  collectInclusion,
  collectReceipts,
  describeGatewayForExport,
} from "./collect";
import type { AnchorRecord } from "./context";
import type { BundleInputs } from "./exportBundle";

/** Where an entitlement's bundle comes from, and who signs it. */
export interface GatewayBundleSource {
  readonly gatewayUrl: string;
  readonly fetch: typeof fetch;
  readonly subject: BundleInputs["subject"];
  readonly signer: BundleInputs["signer"];
  readonly clock: Clock;
  /** Receipts [0, to) at most; default: all the gateway's checkpoint covers (or its whole ledger). */
  readonly to?: number;
  /** The gateway's checkpoint key when it is not its receipt key. */
  readonly logKey?: KeyObject;
  /** The evidence folder holding `<entitlementId>/…`, packaged under artifacts/. */
  readonly evidenceDir?: string;
  readonly timestamp?: BundleInputs["timestamp"];
  /** The gateway's anchor record (a line of its anchors.ndjson) for the checkpoint's root. */
  readonly anchor?: AnchorRecord;
  /** Progress lines, for a CLI. */
  readonly progress?: (line: string) => void;
}

/**
 * Gathers a bundle's inputs from a running gateway: its description (issuer, receipt key, GatewayKeys), its
 * current checkpoint (checked under its receipt key or `logKey`), the receipts that checkpoint covers (verified),
 * an inclusion proof per receipt when they are a prefix, and the entitlement's evidence folder.
 */
export async function gatewayBundleInputs(source: GatewayBundleSource): Promise<BundleInputs> {
  const { gatewayUrl: url, fetch: fetchImpl } = source;
  source.progress?.("reading the gateway's description and checkpoint");
  const gateway = await describeGatewayForExport(url, fetchImpl);
  // The gateway signs checkpoints with its receipt key unless it is configured with a separate log key.
  const logKey = source.logKey ?? gateway.receiptKey;
  const cp = await collectCheckpoint(url, fetchImpl, logKey);
  const to = source.to ?? Number.MAX_SAFE_INTEGER;
  const end = Math.min(to, cp?.checkpoint.treeSize ?? to);
  source.progress?.(`reading receipts from seq 0${end === Number.MAX_SAFE_INTEGER ? "" : ` to ${end}`}`);
  const lines = await collectReceipts(url, fetchImpl, { from: 0, to: end }, gateway);
  const whole = cp !== undefined && lines.length === cp.checkpoint.treeSize;
  const inclusion =
    cp === undefined || whole ? undefined : await collectInclusion(url, fetchImpl, lines, 0, cp.checkpoint);
  const artifacts =
    source.evidenceDir === undefined ? [] : await collectEvidence(source.evidenceDir, source.subject.entitlementId);
  return {
    subject: source.subject,
    signer: source.signer,
    clock: source.clock,
    receipts: { lines, firstSeq: 0, firstPrev: GENESIS_PREV, issuer: gateway.issuer, publicKey: gateway.receiptKey },
    gatewayKeys: gateway.gatewayKeys,
    artifacts,
    ...(cp === undefined
      ? {}
      : {
          log: {
            origin: cp.checkpoint.origin,
            publicKey: logKey,
            checkpoint: cp.note,
            treeSize: cp.checkpoint.treeSize,
            root: cp.checkpoint.rootHash,
            ...(inclusion === undefined ? {} : { inclusion }),
          },
        }),
    ...(source.timestamp === undefined ? {} : { timestamp: source.timestamp }),
    ...(source.anchor === undefined ? {} : { anchor: source.anchor }),
  };
}
