import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import { type GatewayTransparencyClient, createGatewayClient } from "../../../client/src/gateway/client";
import {
  MAX_NOTE_BYTES,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  leafHash,
  openCheckpoint,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../../client/src/protocol/transparency";
import { type ReceiptLedger, openLedger } from "../../../gateway/src/receipts";
import { TransparencyLog, checkpointOrigin } from "../../../gateway/src/transparency";
import { type TestGateway, startTestGateway } from "../../gateway/http/harness";
import { servicesDouble } from "../../gateway/http/servicesDouble";
import { ISSUER, entry, fixedClock, signerA, tempDir } from "../../gateway/receipts/fixtures/receiptFixtures";

const KEY = generateKeyPairSync("ed25519");
const ORIGIN = checkpointOrigin(
  31337n,
  "0x00000000000000000000000000000000000000A1",
  "0x5FbDB2315678afecb367f032d93F642f64180aa3",
);
const HASH = Buffer.alloc(32, 7).toString("base64");

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

/** A client whose fetch answers every request with `answer()` (a hostile or broken gateway). */
function clientAnswering(answer: () => Response): GatewayTransparencyClient {
  return createGatewayClient("http://127.0.0.1:1", async () => answer());
}

describe("client/gateway client: checkpoint and proofs against the gateway's routes over a real ledger", function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ledger: ReceiptLedger;
  let log: TransparencyLog;
  let gw: TestGateway;
  let client: GatewayTransparencyClient;
  const lines: Uint8Array[] = [];

  before(async () => {
    tmp = await tempDir();
    ledger = await openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock: fixedClock().clock });
    log = await TransparencyLog.open({ ledger, origin: ORIGIN, signingKey: KEY.privateKey, cacheLevel: 2 });
    for (let i = 0; i < 11; i++) lines.push((await ledger.append(entry(i))).line);
    const double = servicesDouble();
    double.services.checkpoint = () => log.checkpoint();
    double.services.inclusionProof = (seq, treeSize) => log.inclusion(seq, treeSize);
    double.services.consistencyProof = (from, to) => log.consistency(from, to);
    gw = await startTestGateway({ double });
    client = createGatewayClient(gw.url, fetch, { timeoutMs: 10_000 });
  });
  after(async () => {
    await gw?.close();
    log?.close();
    await ledger?.close();
    await tmp?.cleanup();
  });

  it("fetches the checkpoint note byte for byte, and it opens under the pinned log key", async function () {
    const { note, checkpoint } = await client.checkpoint();
    expect(note).to.equal(await log.checkpoint());
    const opened = openCheckpoint(note, ed25519NoteVerifier(ORIGIN, KEY.publicKey), ORIGIN).checkpoint;
    expect(opened).to.deep.equal(checkpoint);
    expect(checkpoint.treeSize).to.equal(11);
  });

  it("fetches an inclusion proof that leads a real receipt line to the checkpoint's root", async function () {
    const { checkpoint } = await client.checkpoint();
    const answer = await client.inclusionProof(6, 11);
    expect(answer.leafHash).to.deep.equal(leafHash(lines[6]!));
    verifyInclusion({
      leafHash: leafHash(lines[6]!),
      index: 6,
      treeSize: 11,
      proof: answer.proof,
      root: checkpoint.rootHash,
    });
  });

  it("fetches a consistency proof that shows the grown tree extends the old checkpoint", async function () {
    const first = (await client.checkpoint()).checkpoint;
    for (let i = 0; i < 6; i++) lines.push((await ledger.append(entry(100 + i))).line);
    const second = (await client.checkpoint()).checkpoint;
    const answer = await client.consistencyProof(first.treeSize, second.treeSize);
    expect([answer.from, answer.to]).to.deep.equal([11, 17]);
    verifyConsistency({ size1: 11, size2: 17, root1: first.rootHash, root2: second.rootHash, proof: answer.proof });
    expect((await client.consistencyProof(17, 17)).proof).to.deep.equal([]);
  });

  it("passes the gateway's refusals through with their codes and statuses", async function () {
    for (const [run, code, status] of [
      [() => client.inclusionProof(3, 1_000), "TREE_SIZE_UNKNOWN", 404],
      [() => client.inclusionProof(5, 5), "PROOF_QUERY_INVALID", 400],
      [() => client.consistencyProof(0, 5), "PROOF_QUERY_INVALID", 400],
      [() => client.consistencyProof(6, 5), "QUERY_INVALID", 400],
    ] as const) {
      let caught: unknown;
      await run().catch((err: unknown) => (caught = err));
      expect(caught).to.include({ code, status });
    }
  });

  it("refuses a negative, fractional or unsafe size before sending anything (TLOG_ARGUMENT_INVALID)", async function () {
    let sent = 0;
    const counting = createGatewayClient("http://127.0.0.1:1", async () => {
      sent++;
      return new Response("{}");
    });
    expect(await codeOf(() => counting.inclusionProof(-1, 3))).to.equal("TLOG_ARGUMENT_INVALID");
    expect(await codeOf(() => counting.inclusionProof(1.5, 3))).to.equal("TLOG_ARGUMENT_INVALID");
    expect(await codeOf(() => counting.consistencyProof(1, 2 ** 53))).to.equal("TLOG_ARGUMENT_INVALID");
    expect(sent).to.equal(0);
  });
});

describe("client/gateway client: strict parsing of checkpoint and proof answers", function () {
  const json =
    (body: unknown, status = 200) =>
    () =>
      Response.json(body, { status });
  const text =
    (body: string, type = "text/plain; charset=utf-8") =>
    () =>
      new Response(body, { headers: { "content-type": type } });

  it("refuses a proof for another tree than the one asked (sizes not echoed) with GATEWAY_ANSWER_INVALID", async function () {
    const inclusion = clientAnswering(json({ seq: "2", treeSize: "9", leafHash: HASH, proof: [HASH] }));
    expect(await codeOf(() => inclusion.inclusionProof(2, 8))).to.equal("GATEWAY_ANSWER_INVALID");
    const consistency = clientAnswering(json({ from: "3", to: "9", proof: [HASH] }));
    expect(await codeOf(() => consistency.consistencyProof(2, 9))).to.equal("GATEWAY_ANSWER_INVALID");
  });

  it("refuses proof hashes that are not canonical base64 of exactly 32 bytes", async function () {
    const short = Buffer.alloc(31).toString("base64");
    const urlSafe = Buffer.alloc(32, 0xfb).toString("base64url");
    for (const bad of [short, urlSafe, `${HASH}\n`, "0x" + "ab".repeat(32)]) {
      const client = clientAnswering(json({ from: "2", to: "9", proof: [HASH, bad] }));
      expect(await codeOf(() => client.consistencyProof(2, 9)), bad).to.equal("GATEWAY_ANSWER_INVALID");
    }
    const leaf = clientAnswering(json({ seq: "2", treeSize: "9", leafHash: short, proof: [HASH] }));
    expect(await codeOf(() => leaf.inclusionProof(2, 9))).to.equal("GATEWAY_ANSWER_INVALID");
  });

  it("refuses proof answers with unknown keys, numbers for decimals, or too many hashes", async function () {
    for (const body of [
      { from: "2", to: "9", proof: [HASH], extra: true },
      { from: 2, to: "9", proof: [HASH] },
      { from: "02", to: "9", proof: [HASH] },
      { from: "2", to: "9", proof: Array.from({ length: 129 }, () => HASH) },
      { from: "2", to: "9" },
      null,
      [],
    ]) {
      const client = clientAnswering(json(body));
      expect(await codeOf(() => client.consistencyProof(2, 9)), JSON.stringify(body)).to.equal(
        "GATEWAY_ANSWER_INVALID",
      );
    }
  });

  it("refuses a checkpoint served as JSON, a malformed note, or invalid UTF-8", async function () {
    const note = signedNote();
    expect(await codeOf(() => clientAnswering(text(note, "application/json")).checkpoint())).to.equal(
      "GATEWAY_ANSWER_INVALID",
    );
    expect(await codeOf(() => clientAnswering(text(note.replace("\u2014", "-"))).checkpoint())).to.equal(
      "GATEWAY_ANSWER_INVALID",
    );
    const broken = () =>
      new Response(new Uint8Array([0x61, 0xff, 0x0a]), { headers: { "content-type": "text/plain" } });
    expect(await codeOf(() => clientAnswering(broken).checkpoint())).to.equal("GATEWAY_ANSWER_INVALID");
  });

  it("refuses a checkpoint larger than a note may be, without reading it all", async function () {
    let pulled = 0;
    const endless = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++;
            controller.enqueue(new Uint8Array(64 * 1024).fill(0x61));
          },
        }),
        { headers: { "content-type": "text/plain" } },
      );
    expect(await codeOf(() => clientAnswering(endless).checkpoint())).to.equal("GATEWAY_ANSWER_INVALID");
    expect(pulled).to.be.below(MAX_NOTE_BYTES / 1024);
  });

  it("reports an error answer without the documented shape as GATEWAY_ERROR, not a crash", async function () {
    for (const body of [null, { error: null }, { error: "x" }, 7]) {
      let caught: unknown;
      await clientAnswering(json(body, 500))
        .checkpoint()
        .catch((err: unknown) => (caught = err));
      expect(caught, JSON.stringify(body)).to.include({ code: "GATEWAY_ERROR", status: 500 });
    }
  });

  it("reports a gateway that does not answer as GATEWAY_UNREACHABLE", async function () {
    const client = createGatewayClient("http://127.0.0.1:1", async () => {
      throw new TypeError("fetch failed");
    });
    expect(await codeOf(() => client.inclusionProof(1, 2))).to.equal("GATEWAY_UNREACHABLE");
  });
});

/** A real signed checkpoint note of a one-leaf tree (for the parsing tests). */
function signedNote(): string {
  const cp = { origin: ORIGIN, treeSize: 1, rootHash: leafHash(Buffer.from("leaf")), extensions: [] };
  return signCheckpoint(cp, ed25519NoteSigner(ORIGIN, KEY.privateKey));
}
