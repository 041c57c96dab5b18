import { generateKeyPairSync } from "node:crypto";
import { expect } from "chai";

import {
  decodeBase64Strict,
  ed25519NoteVerifier,
  leafHash,
  noteVerifierFromKey,
  openCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../../client/src/protocol/transparency";
import { type ReceiptLedger, openLedger } from "../../../gateway/src/receipts";
import { TransparencyLog, checkpointOrigin } from "../../../gateway/src/transparency";
import { ISSUER, entry, fixedClock, signerA, tempDir } from "../receipts/fixtures/receiptFixtures";

const KEY = generateKeyPairSync("ed25519");
const ORIGIN = checkpointOrigin(
  31337n,
  "0x00000000000000000000000000000000000000A1",
  "0x5FbDB2315678afecb367f032d93F642f64180aa3",
);
const b64 = (s: string): Uint8Array => decodeBase64Strict(s)!;

async function expectCode(run: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    expect((err as { code?: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("gateway/transparency TransparencyLog over a real ledger", function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let ledger: ReceiptLedger;
  let log: TransparencyLog;
  const open = () => openLedger({ path: tmp.path, signer: signerA, issuer: ISSUER, clock: fixedClock().clock });

  beforeEach(async () => {
    tmp = await tempDir();
    ledger = await open();
    log = await TransparencyLog.open({ ledger, origin: ORIGIN, signingKey: KEY.privateKey, cacheLevel: 2 });
  });
  afterEach(async () => {
    log.close();
    await ledger.close();
    await tmp.cleanup();
  });

  it("names its origin swarm-gateway/<chainId>/<market>/<gateway> in lowercase", function () {
    expect(ORIGIN).to.equal(
      "swarm-gateway/31337/0x00000000000000000000000000000000000000a1/0x5fbdb2315678afecb367f032d93f642f64180aa3",
    );
    expect(noteVerifierFromKey(log.signer.verifierKey).name).to.equal(ORIGIN);
  });

  it("follows appends as they become durable, and proves a real receipt line's inclusion under a signed checkpoint", async function () {
    const appended = [];
    for (let i = 0; i < 21; i++) appended.push(await ledger.append(entry(i)));
    expect(log.tree.size).to.equal(21);
    const { checkpoint } = openCheckpoint(await log.checkpoint(), ed25519NoteVerifier(ORIGIN, KEY.publicKey), ORIGIN);
    expect(checkpoint.treeSize).to.equal(21);
    const line = appended[13]!.line;
    const answer = await log.inclusion("13", "21");
    expect(answer.leafHash).to.equal(Buffer.from(leafHash(line)).toString("base64"));
    verifyInclusion({
      leafHash: leafHash(line),
      index: 13,
      treeSize: 21,
      proof: answer.proof.map(b64),
      root: checkpoint.rootHash,
    });
  });

  it("proves consistency between two checkpoints, and rebuilds the same root after a reopen", async function () {
    await Promise.all(Array.from({ length: 9 }, (_, i) => ledger.append(entry(i))));
    const verifier = ed25519NoteVerifier(ORIGIN, KEY.publicKey);
    const first = openCheckpoint(await log.checkpoint(), verifier, ORIGIN).checkpoint;
    await Promise.all(Array.from({ length: 30 }, (_, i) => ledger.append(entry(100 + i))));
    const second = openCheckpoint(await log.checkpoint(), verifier, ORIGIN).checkpoint;
    const { proof } = await log.consistency("9", "39");
    verifyConsistency({ size1: 9, size2: 39, root1: first.rootHash, root2: second.rootHash, proof: proof.map(b64) });

    log.close();
    await ledger.close();
    ledger = await open();
    log = await TransparencyLog.open({ ledger, origin: ORIGIN, signingKey: KEY.privateKey });
    expect(log.snapshot()).to.deep.equal({ treeSize: 39, root: second.rootHash });
  });

  it("refuses proofs beyond the tree with TREE_SIZE_UNKNOWN and malformed ranges with PROOF_QUERY_INVALID", async function () {
    await Promise.all(Array.from({ length: 5 }, (_, i) => ledger.append(entry(i))));
    await expectCode(() => log.inclusion("2", "6"), "TREE_SIZE_UNKNOWN");
    await expectCode(() => log.inclusion("5", "5"), "PROOF_QUERY_INVALID");
    await expectCode(() => log.consistency("0", "5"), "PROOF_QUERY_INVALID");
    await expectCode(() => log.consistency("4", "3"), "PROOF_QUERY_INVALID");
    await expectCode(() => log.consistency("1", "99999999999999999999"), "TREE_SIZE_UNKNOWN");
  });
});
