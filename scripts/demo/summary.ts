import { writeFile } from "node:fs/promises";

/** One step as the summary records it (integers as decimal strings, as everywhere in the project's JSON). */
export interface StepSummary {
  step: number;
  fromStep: number;
  runId: string;
  sessionId: string;
  workerKey: string;
  permitDigest: string;
  consumeTx: string;
  consumeGas: string;
  capsReceiptSeq: string;
  capsExpiresAt: string;
  certificateHash: string;
  evidence: string;
  claimTx: string;
  claimGas: string;
  /** How the step was settled: `finalized` after the window, or `ruled` by the arbiter. */
  settledBy?: "finalized" | "ruled";
  settleTx?: string;
  settleGas?: string;
  /** The step's final on-chain status. */
  status?: string;
  /** `claim`: from the runner's finish to the keeper's claim, the verifier service's verification included. */
  ms: { permitWait: number; caps: number; run: number; claim: number; total: number };
}

/** A transaction of the demo. */
export interface TxSummary {
  action: string;
  actor: string;
  txHash: string;
  gas: string;
}

/** The evidence bundle as the summary records it. */
export interface BundleSummary {
  /** The bundle folder (as given by --out). */
  path: string;
  status: string;
  strength: string;
  receipts: number;
  /** The EvidenceAnchor epoch that anchors the bundle's log root, when it is anchored. */
  anchorEpoch?: string;
  /** The command that verifies the bundle again from its files and the pins in `pins/`. */
  verifyCommand: string;
}

/** What `summary.json` holds. */
export interface DemoSummary {
  version: "swarm-demo/v1";
  ok: boolean;
  error?: { message: string; code?: string };
  startedAt: string;
  wallMs: number;
  chainId: string;
  market: string;
  services: { rpc: string; oidc: string; sigstore: string; gateway: string; tsa: string };
  /** Temporary folders used (all removed at exit). */
  tempDirs: string[];
  offer?: { offerId: string; pricePerStep: string; disputeBond: string; disputeWindow: string; policyHash: string };
  entitlement?: { entitlementId: string; stepsBought: number; genesisStateHash: string };
  steps: StepSummary[];
  replays: { attempt: string; code: string; status: number }[];
  dispute?: { step: number; bond: string; ruling: "seller" | "buyer"; status: string };
  withdrawals: { role: string; amount: string }[];
  output?: { step: number; state: unknown; result: unknown; nextTokens: unknown };
  /** The exported evidence bundle and its offline verification. */
  bundle?: BundleSummary;
  transactions: TxSummary[];
  totalGas: string;
  timings: Record<string, number>;
}

/** An empty summary to fill in as the demo runs. */
export function newSummary(startedAt: Date): DemoSummary {
  return {
    version: "swarm-demo/v1",
    ok: false,
    startedAt: startedAt.toISOString(),
    wallMs: 0,
    chainId: "",
    market: "",
    services: { rpc: "", oidc: "", sigstore: "", gateway: "", tsa: "" },
    tempDirs: [],
    steps: [],
    replays: [],
    withdrawals: [],
    transactions: [],
    totalGas: "0",
    timings: {},
  };
}

/** Records a transaction and adds its gas to the total. */
export function recordTx(
  summary: DemoSummary,
  tx: { action: string; actor: string; txHash: string; gas: bigint },
): void {
  summary.transactions.push({ action: tx.action, actor: tx.actor, txHash: tx.txHash, gas: tx.gas.toString() });
  summary.totalGas = (BigInt(summary.totalGas) + tx.gas).toString();
}

/** Writes the summary as pretty JSON. */
export async function writeSummary(file: string, summary: DemoSummary): Promise<void> {
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
}
