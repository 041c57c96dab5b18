import { expect } from "chai";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  ANCHOR_CODES,
  type AnchorRecord,
  anchorRecordLine,
  anchorRecordsPath,
  openAnchorRecords,
} from "../../../gateway/src/anchor";
import { GatewayError } from "../../../gateway/src/errors";

const ZERO = `0x${"0".repeat(64)}`;
const h = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function record(epoch: number, prevRoot = epoch === 1 ? ZERO : h(epoch - 1)): AnchorRecord {
  return {
    epoch: String(epoch),
    treeSize: String(epoch * 10),
    root: h(epoch),
    prevRoot,
    chainId: "31337",
    contract: `0x${"c0".repeat(20)}`,
    issuer: `0x${"e1".repeat(20)}`,
    transactionHash: h(1000 + epoch),
    blockNumber: String(epoch),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
  throw new Error("expected a GatewayError");
}

describe("gateway/anchor/anchorRecords", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "swarm-anchors-"));
    file = anchorRecordsPath(path.join(dir, "receipts.ndjson"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps the records beside the ledger as anchors.ndjson", () => {
    expect(file).to.equal(path.join(dir, "anchors.ndjson"));
  });

  it("appends JCS lines that survive a reopen", async () => {
    const records = await openAnchorRecords(file);
    await records.append(record(1));
    await records.append(record(2));
    await records.close();
    expect(await readFile(file, "utf8")).to.equal(`${anchorRecordLine(record(1))}\n${anchorRecordLine(record(2))}\n`);
    const reopened = await openAnchorRecords(file);
    expect(reopened.all()).to.deep.equal([record(1), record(2)]);
    expect(reopened.last()).to.deep.equal(record(2));
    await reopened.close();
  });

  it("cuts a torn last line left by a crash and keeps the complete ones", async () => {
    await writeFile(file, `${anchorRecordLine(record(1))}\n${anchorRecordLine(record(2)).slice(0, 40)}`);
    const records = await openAnchorRecords(file);
    expect(records.all()).to.deep.equal([record(1)]);
    await records.append(record(2));
    await records.close();
    expect((await readFile(file, "utf8")).split("\n")).to.have.length(3);
  });

  it("rejects a records file with a gap in its epochs", async () => {
    await writeFile(file, `${anchorRecordLine(record(1))}\n${anchorRecordLine(record(3, h(1)))}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
  });

  it("rejects a record that does not extend the previous root (a rewritten history)", async () => {
    await writeFile(file, `${anchorRecordLine(record(1))}\n${anchorRecordLine(record(2, h(9)))}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
  });

  it("rejects a record whose tree shrank", async () => {
    const shrunk = { ...record(2), treeSize: "5" };
    await writeFile(file, `${anchorRecordLine(record(1))}\n${anchorRecordLine(shrunk)}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
  });

  it("rejects a non-canonical or unknown-field line instead of re-canonicalizing it", async () => {
    await writeFile(file, `${JSON.stringify(record(1), null, 1).replace(/\n/g, "")}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
    await writeFile(file, `${anchorRecordLine({ ...record(1), extra: "1" } as AnchorRecord)}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
  });

  it("refuses to append an epoch out of order", async () => {
    const records = await openAnchorRecords(file);
    expect(await codeOf(records.append(record(2)))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
    await records.close();
  });

  it("refuses to start over a first record that is not epoch 1", async () => {
    await appendFile(file, `${anchorRecordLine(record(2))}\n`);
    expect(await codeOf(openAnchorRecords(file))).to.equal(ANCHOR_CODES.RECORDS_CORRUPT);
  });
});
