import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { getAddress } from "viem";

import { type KeeperCursor, fileCursorStore, parseCursor, serializeCursor } from "../../../client/src/keeper/cursor";
import { KeeperErrorCode } from "../../../client/src/keeper/errors";
import { isProtocolError } from "../../../client/src/protocol/errors";

const MARKET = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const REF = { chainId: 31337n, market: MARKET };

const CURSOR: KeeperCursor = {
  chainId: 31337n,
  market: MARKET.toLowerCase() as `0x${string}`,
  nextBlock: 42n,
  lastBlock: { number: 41n, hash: `0x${"ab".repeat(32)}` },
  pending: [
    {
      entitlementId: 7n,
      step: 2,
      fromStep: 1,
      permitDigest: `0x${"11".repeat(32)}`,
      workerKey: `0x${"22".repeat(32)}`,
      runId: 7_000_000_002n,
      runAttempt: 1,
      blockNumber: 40n,
      txHash: `0x${"33".repeat(32)}`,
    },
  ],
};

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(isProtocolError(err, code), String(err)).to.equal(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("keeper cursor", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), "swarm-keeper-cursor-"))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("round-trips through its JSON form", () => {
    expect(parseCursor(serializeCursor(CURSOR), REF)).to.deep.equal(CURSOR);
  });

  it("writes integers as decimal strings and hex lowercase", () => {
    const json = JSON.parse(serializeCursor(CURSOR)) as Record<string, unknown>;
    expect(json).to.deep.include({ version: "swarm/keeper-cursor/v1", chainId: "31337", nextBlock: "42" });
    expect(json.market).to.equal(MARKET.toLowerCase());
  });

  it("rejects a cursor of another market", () => {
    const other = { chainId: 31337n, market: getAddress("0x0000000000000000000000000000000000000001") };
    expectCode(() => parseCursor(serializeCursor(CURSOR), other), KeeperErrorCode.CURSOR_INVALID);
  });

  it("rejects a cursor of another chain", () => {
    expectCode(() => parseCursor(serializeCursor(CURSOR), { ...REF, chainId: 1n }), KeeperErrorCode.CURSOR_INVALID);
  });

  it("rejects a cursor with an unknown field or a non-canonical number", () => {
    const json = JSON.parse(serializeCursor(CURSOR)) as Record<string, unknown>;
    expectCode(() => parseCursor(JSON.stringify({ ...json, extra: 1 }), REF), KeeperErrorCode.CURSOR_INVALID);
    expectCode(() => parseCursor(JSON.stringify({ ...json, nextBlock: "042" }), REF), KeeperErrorCode.CURSOR_INVALID);
    expectCode(() => parseCursor("{not json", REF), KeeperErrorCode.CURSOR_INVALID);
  });

  it("loads nothing before the first save, then what was saved", async () => {
    const store = fileCursorStore(path.join(dir, "cursor.json"));
    expect(await store.load(REF)).to.equal(undefined);
    await store.save(CURSOR);
    expect(await store.load(REF)).to.deep.equal(CURSOR);
  });

  it("replaces the file whole and leaves no temporary file behind", async () => {
    const file = path.join(dir, "cursor.json");
    const store = fileCursorStore(file);
    await store.save(CURSOR);
    await store.save({ ...CURSOR, nextBlock: 99n, pending: [] });
    expect(await readdir(dir)).to.deep.equal(["cursor.json"]);
    expect(JSON.parse(await readFile(file, "utf8"))).to.deep.include({ nextBlock: "99", pending: [] });
  });

  it("refuses a truncated cursor file (fails closed instead of rescanning from scratch)", async () => {
    const file = path.join(dir, "cursor.json");
    await writeFile(file, serializeCursor(CURSOR).slice(0, 50));
    let caught: unknown;
    await fileCursorStore(file)
      .load(REF)
      .catch((e: unknown) => (caught = e));
    expect(isProtocolError(caught, KeeperErrorCode.CURSOR_INVALID)).to.equal(true);
  });
});
