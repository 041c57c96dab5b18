import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import { isProtocolError } from "../../../client/src/protocol/errors";
import {
  FAILURE_CONSISTENCY_INVALID,
  FAILURE_SIGNATURE_INVALID,
  FAILURE_WITNESS_LINEAGE_MISMATCH,
  consistencyProof,
  ed25519NoteVerifier,
  parseNote,
  verifyWitnessQuorum,
  witnessVerifierFromKey,
} from "../../../client/src/protocol/transparency";
import {
  WITNESS_CLOCK_INVALID,
  WITNESS_FORK_DETECTED,
  WITNESS_ROLLBACK,
  WITNESS_STATE_INVALID,
  type Witness,
  type WitnessStateStore,
  cosignCheckpoint,
  fetchCosignRequest,
  LOCK_FILE,
  fileWitnessState,
  generateWitnessKey,
  memoryWitnessState,
  parseWitnessKey,
  recordFileName,
} from "../../../client/src/witness";
import { LogDouble } from "./logDouble";

const ORIGIN =
  "swarm-gateway/31337/0x00000000000000000000000000000000000000a1/0x00000000000000000000000000000000000000b2";
const LOG_KEY = generateKeyPairSync("ed25519");
const WITNESS_KEY = generateWitnessKey("witness.example.org/w1");

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return err.code;
  }
}

function witnessOf(state: WitnessStateStore, seconds = 1_790_000_000): Witness & { tick: () => void } {
  let now = seconds;
  return {
    name: WITNESS_KEY.name,
    privateKey: WITNESS_KEY.privateKey,
    log: ed25519NoteVerifier(ORIGIN, LOG_KEY.publicKey),
    origin: ORIGIN,
    state,
    clock: () => new Date(now * 1000),
    tick: () => void (now += 60),
  };
}

describe("witness: cosigning a log's checkpoints", function () {
  it("cosigns the first checkpoint, then a grown one with a consistency proof; the cosignatures verify under a 1-of-1 policy", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(5);
    const state = memoryWitnessState();
    const w = witnessOf(state);
    const first = await cosignCheckpoint(w, { note: log.checkpoint(), proof: [] });
    expect(first.firstSeen).to.equal(true);
    log.grow(12);
    w.tick();
    const second = await cosignCheckpoint(w, { note: log.checkpoint(), proof: consistencyProof(log.leaves, 5, 17) });
    expect(second.previous?.treeSize).to.equal(5);
    expect((await state.get(ORIGIN))?.treeSize).to.equal(17);
    const note = parseNote(second.cosignedNote);
    const policy = { origin: ORIGIN, witnesses: [witnessVerifierFromKey(WITNESS_KEY.verifierKey)], threshold: 1 };
    expect(verifyWitnessQuorum(note.text, note.signatures, policy).cosignatures[0]!.time).to.equal(1_790_000_060);
  });

  it("refuses a checkpoint from a fork at the same size (another root) with WITNESS_FORK_DETECTED, state unchanged", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(8);
    const state = memoryWitnessState();
    await cosignCheckpoint(witnessOf(state), { note: log.checkpoint(), proof: [] });
    const before = await state.get(ORIGIN);
    const fork = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(8, "forged");
    expect(await codeOf(() => cosignCheckpoint(witnessOf(state), { note: fork.checkpoint(), proof: [] }))).to.equal(
      WITNESS_FORK_DETECTED,
    );
    expect(await state.get(ORIGIN)).to.deep.equal(before);
  });

  it("refuses a larger checkpoint from a fork (its proof cannot link) with FAILURE_CONSISTENCY_INVALID", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(8);
    const state = memoryWitnessState();
    await cosignCheckpoint(witnessOf(state), { note: log.checkpoint(), proof: [] });
    const fork = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(3).grow(10, "forged");
    const request = { note: fork.checkpoint(), proof: consistencyProof(fork.leaves, 8, 13) };
    expect(await codeOf(() => cosignCheckpoint(witnessOf(state), request))).to.equal(FAILURE_CONSISTENCY_INVALID);
    expect((await state.get(ORIGIN))?.treeSize).to.equal(8);
  });

  it("refuses a rollback to a smaller checkpoint with WITNESS_ROLLBACK", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(8);
    const state = memoryWitnessState();
    await cosignCheckpoint(witnessOf(state), { note: log.checkpoint(), proof: [] });
    expect(await codeOf(() => cosignCheckpoint(witnessOf(state), { note: log.checkpoint(5), proof: [] }))).to.equal(
      WITNESS_ROLLBACK,
    );
  });

  it("refuses a checkpoint signed by another key, or of another origin, before reading its state", async function () {
    const impostor = new LogDouble(ORIGIN, generateKeyPairSync("ed25519").privateKey).grow(3);
    const state = memoryWitnessState();
    expect(await codeOf(() => cosignCheckpoint(witnessOf(state), { note: impostor.checkpoint(), proof: [] }))).to.equal(
      FAILURE_SIGNATURE_INVALID,
    );
    const other = new LogDouble("other.example/log", LOG_KEY.privateKey).grow(3);
    const w = { ...witnessOf(state), log: ed25519NoteVerifier("other.example/log", LOG_KEY.publicKey) };
    expect(await codeOf(() => cosignCheckpoint(w, { note: other.checkpoint(), proof: [] }))).to.equal(
      FAILURE_WITNESS_LINEAGE_MISMATCH,
    );
    expect(await state.get(ORIGIN)).to.equal(undefined);
  });

  it("refuses to date a cosignature before its last one (a clock set back) with WITNESS_CLOCK_INVALID", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(2);
    const state = memoryWitnessState();
    await cosignCheckpoint(witnessOf(state, 2_000_000_000), { note: log.checkpoint(), proof: [] });
    expect(
      await codeOf(() => cosignCheckpoint(witnessOf(state, 1_000), { note: log.checkpoint(), proof: [] })),
    ).to.equal(WITNESS_CLOCK_INVALID);
  });

  it("fetches the checkpoint and the proof from the last cosigned size through an injected fetch", async function () {
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(4);
    const state = memoryWitnessState();
    const feed = { baseUrl: "http://127.0.0.1:1/", fetch: log.fetch() };
    await cosignCheckpoint(witnessOf(state), await fetchCosignRequest(feed, ORIGIN, state));
    log.grow(9);
    const request = await fetchCosignRequest(feed, ORIGIN, state);
    expect(request.proof).to.deep.equal(consistencyProof(log.leaves, 4, 13));
    expect((await cosignCheckpoint(witnessOf(state), request)).checkpoint.treeSize).to.equal(13);
  });

  describe("file state", function () {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "swarm-witness-"));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it("keeps one record per origin across restarts, written without leaving temporary files", async function () {
      const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(6);
      await cosignCheckpoint(witnessOf(fileWitnessState(dir)), { note: log.checkpoint(), proof: [] });
      const record = await fileWitnessState(dir).get(ORIGIN);
      expect(record?.treeSize).to.equal(6);
      expect(record?.note).to.equal(log.checkpoint());
      expect(await readdir(dir)).to.deep.equal([recordFileName(ORIGIN)]);
    });

    it("refuses to run beside another witness holding the state folder's lock (WITNESS_STATE_INVALID)", async function () {
      await writeFile(path.join(dir, LOCK_FILE), "");
      const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(2);
      const state = fileWitnessState(dir);
      expect(await codeOf(() => cosignCheckpoint(witnessOf(state), { note: log.checkpoint(), proof: [] }))).to.equal(
        WITNESS_STATE_INVALID,
      );
      expect(await state.get(ORIGIN)).to.equal(undefined);
    });

    it("serializes concurrent cosignings in one process: the second checks against the first's record", async function () {
      const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(4);
      const state = fileWitnessState(dir);
      const fork = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(4, "forged");
      const [a, b] = await Promise.allSettled([
        cosignCheckpoint(witnessOf(state), { note: log.checkpoint(), proof: [] }),
        cosignCheckpoint(witnessOf(state), { note: fork.checkpoint(), proof: [] }),
      ]);
      expect(a.status).to.equal("fulfilled");
      expect(b.status === "rejected" && isProtocolError(b.reason) && b.reason.code).to.equal(WITNESS_FORK_DETECTED);
    });

    it("refuses to cosign over a damaged state record with WITNESS_STATE_INVALID", async function () {
      await writeFile(path.join(dir, recordFileName(ORIGIN)), '{"version":1,"origin":"x"}');
      const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(2);
      expect(
        await codeOf(() => cosignCheckpoint(witnessOf(fileWitnessState(dir)), { note: log.checkpoint(), proof: [] })),
      ).to.equal(WITNESS_STATE_INVALID);
    });
  });

  it("round-trips its key file and refuses a log (0x01) key used as a witness key", function () {
    const parsed = parseWitnessKey(WITNESS_KEY.signerKey);
    expect(parsed.verifierKey).to.equal(WITNESS_KEY.verifierKey);
    const logKey = WITNESS_KEY.signerKey.replace(/\+([A-Za-z0-9+/=]+)$/, (_m, b64: string) => {
      const raw = Buffer.from(b64, "base64");
      raw[0] = 0x01;
      return `+${raw.toString("base64")}`;
    });
    try {
      parseWitnessKey(logKey);
      expect.fail("expected a refusal");
    } catch (err) {
      expect(isProtocolError(err) && err.code).to.equal("WITNESS_KEY_INVALID");
    }
  });
});
