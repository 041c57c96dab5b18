import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { openLedger } from "../../../gateway/src/receipts/ledger";
import { ISSUER, fixedClock, signerFromSeed, tempDir, verifyLedgerFileIndependently } from "./fixtures/receiptFixtures";

const SEED = "44".repeat(32);
const FIXTURE = join(__dirname, "fixtures", "appendBurst.ts");

interface Burst {
  opened: { size: number; repair: string };
  acked: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the burst fixture and SIGKILLs it `killAfterMs` after its first acknowledgement. */
function burst(path: string, killAfterMs: number, mode: "whole-writes" | "short-writes"): Promise<Burst> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["-r", "ts-node/register", FIXTURE, path, SEED, "16", "5000", mode],
    { env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const result: Burst = { opened: { size: -1, repair: "" }, acked: [], signal: null, stderr: "" };
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const [word, size, repair] = line.split(" ");
      if (word === "open") result.opened = { size: Number(size), repair: repair! };
      else if (/^\d+$/.test(line)) result.acked.push(Number(line));
      else throw new Error(`unexpected child output: ${line}`);
      if (result.acked.length === 1 && timer === undefined)
        timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (result.stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      resolve({ ...result, signal });
    });
  });
}

describe("receipts/ledger crash safety (SIGKILL mid-burst)", function () {
  this.timeout(180_000);

  it("keeps every acknowledged receipt, with a verifying chain, across repeated SIGKILLs", async () => {
    const tmp = await tempDir();
    const signer = signerFromSeed(SEED);
    try {
      let expectedSize = 0;
      const runs: [number, "whole-writes" | "short-writes"][] = [
        [0, "whole-writes"],
        [60, "whole-writes"],
        [400, "whole-writes"],
        [5, "short-writes"],
        [40, "short-writes"],
        [90, "short-writes"],
        [150, "short-writes"],
        [300, "short-writes"],
      ];
      let repairs = 0;
      for (const [killAfterMs, mode] of runs) {
        const run = await burst(tmp.path, killAfterMs, mode);
        expect(run.stderr, "child stderr").to.equal("");
        expect(run.signal, `killed mid-burst after ${killAfterMs} ms`).to.equal("SIGKILL");
        expect(run.opened.size, "the child reopened everything the last run left").to.equal(expectedSize);
        expect(run.acked.length).to.be.greaterThan(0);
        const sizeOnDisk = (await stat(tmp.path)).size;
        const ledger = await openLedger({ path: tmp.path, signer, issuer: ISSUER, clock: fixedClock().clock });
        const size = ledger.head().size;
        const { repair } = ledger.opened;
        if (repair !== undefined) {
          repairs += 1;
          expect(repair.reason).to.equal("unterminated-tail");
          expect(repair.offset + repair.removedBytes).to.equal(sizeOnDisk);
        }
        for (const seq of run.acked) {
          expect(seq, `acknowledged seq ${seq} survives`).to.be.lessThan(size);
          expect((await ledger.get(seq)).seq).to.equal(seq);
        }
        expect(new Set(run.acked).size, "no seq acknowledged twice").to.equal(run.acked.length);
        await ledger.close();
        const receipts = await verifyLedgerFileIndependently(tmp.path, signer.publicKey);
        expect(receipts).to.have.length(size);
        expectedSize = size;
      }
      // Short writes leave the file mid-line for most of each batch, so at least one kill should tear a line.
      expect(repairs, "torn tails repaired").to.be.greaterThan(0);
    } finally {
      await tmp.cleanup();
    }
  });
});
