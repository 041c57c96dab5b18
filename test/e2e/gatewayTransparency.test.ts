import { expect } from "chai";

import { canonicalJson } from "../../client/src/protocol/jcs";
import { isProtocolError } from "../../client/src/protocol/errors";
import {
  type Checkpoint,
  decodeBase64Strict,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  leafHash,
  openCheckpoint,
  parseNote,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
  verifyWitnessQuorum,
  witnessVerifierFromKey,
} from "../../client/src/protocol/transparency";
import {
  WITNESS_FORK_DETECTED,
  cosignCheckpoint,
  fetchCosignRequest,
  generateWitnessKey,
  memoryWitnessState,
} from "../../client/src/witness";
import { checkpointOrigin } from "../../gateway/src/transparency";
import { releaseOneStep } from "./support/releaseStep";
import { type World, startWorld } from "./support/world";

const b64 = (s: string): Uint8Array => decodeBase64Strict(s)!;

describe("e2e: the gateway's transparency log over HTTP", function () {
  this.timeout(120_000);
  let world: World;
  let origin: string;

  before(async () => {
    world = await startWorld();
    origin = checkpointOrigin(world.gateway.context.chainId, world.market, world.gatewayAddress);
  });
  after(async () => {
    await world?.stop();
  });

  async function get(path: string): Promise<{ status: number; type: string; text: string }> {
    const res = await fetch(`${world.url}${path}`);
    return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
  }

  /** The gateway's current checkpoint, verified against its pinned key and origin. */
  async function checkpoint(): Promise<{ note: string; cp: Checkpoint }> {
    const res = await get("/v1/checkpoint");
    expect(res.status).to.equal(200);
    expect(res.type).to.match(/^text\/plain/);
    const verifier = ed25519NoteVerifier(origin, world.receiptKey.publicKey);
    return { note: res.text, cp: openCheckpoint(res.text, verifier, origin).checkpoint };
  }

  it("proves a real receipt's inclusion under a signed checkpoint, and consistency between two checkpoints", async function () {
    const { receiptSeq: seq } = await releaseOneStep(world);
    const first = (await checkpoint()).cp;
    expect(first.treeSize).to.be.greaterThan(Number(seq));

    const receipt = JSON.parse((await get(`/v1/receipts/${seq}`)).text) as { receipt: unknown };
    const line = Buffer.from(canonicalJson(receipt.receipt), "utf8");
    const inclusion = JSON.parse((await get(`/v1/proofs/inclusion?seq=${seq}&treeSize=${first.treeSize}`)).text) as {
      leafHash: string;
      proof: string[];
    };
    expect(b64(inclusion.leafHash)).to.deep.equal(leafHash(line));
    verifyInclusion({
      leafHash: leafHash(line),
      index: Number(seq),
      treeSize: first.treeSize,
      proof: inclusion.proof.map(b64),
      root: first.rootHash,
    });

    await releaseOneStep(world);
    const second = (await checkpoint()).cp;
    expect(second.treeSize).to.be.greaterThan(first.treeSize);
    const consistency = JSON.parse(
      (await get(`/v1/proofs/consistency?from=${first.treeSize}&to=${second.treeSize}`)).text,
    ) as {
      proof: string[];
    };
    verifyConsistency({
      size1: first.treeSize,
      size2: second.treeSize,
      root1: first.rootHash,
      root2: second.rootHash,
      proof: consistency.proof.map(b64),
    });
  });

  it("refuses proofs beyond the tree (404 TREE_SIZE_UNKNOWN) and malformed queries (400)", async function () {
    const { cp } = await checkpoint();
    const beyond = await get(`/v1/proofs/inclusion?seq=0&treeSize=${cp.treeSize + 1000}`);
    expect([beyond.status, (JSON.parse(beyond.text) as { error: { code: string } }).error.code]).to.deep.equal([
      404,
      "TREE_SIZE_UNKNOWN",
    ]);
    for (const q of [
      "/v1/proofs/inclusion?seq=01&treeSize=2",
      "/v1/proofs/consistency?from=2",
      "/v1/proofs/consistency?from=3&to=2&x=1",
    ]) {
      expect((await get(q)).status, q).to.equal(400);
    }
    const zero = await get(`/v1/proofs/consistency?from=0&to=${cp.treeSize}`);
    expect((JSON.parse(zero.text) as { error: { code: string } }).error.code).to.equal("PROOF_QUERY_INVALID");
  });

  it("lets a witness cosign twice as the log grows, then refuse a forked checkpoint without moving its state", async function () {
    const key = generateWitnessKey("witness.example.org/e2e");
    const state = memoryWitnessState();
    const witness = {
      name: key.name,
      privateKey: key.privateKey,
      log: ed25519NoteVerifier(origin, world.receiptKey.publicKey),
      origin,
      state,
      clock: () => new Date(),
    };
    const feed = { baseUrl: world.url, fetch };
    const first = await cosignCheckpoint(witness, await fetchCosignRequest(feed, origin, state));
    await releaseOneStep(world);
    const second = await cosignCheckpoint(witness, await fetchCosignRequest(feed, origin, state));
    expect(second.previous?.treeSize).to.equal(first.checkpoint.treeSize);
    expect(second.checkpoint.treeSize).to.be.greaterThan(first.checkpoint.treeSize);
    const note = parseNote(second.cosignedNote);
    const policy = { origin, witnesses: [witnessVerifierFromKey(key.verifierKey)], threshold: 1 };
    expect(verifyWitnessQuorum(note.text, note.signatures, policy).cosignatures).to.have.length(1);

    // The log's key signs a second root for the same size: a split view.
    const forked = signCheckpoint(
      { ...second.checkpoint, rootHash: new Uint8Array(32).fill(9) },
      ed25519NoteSigner(origin, world.receiptKey.privateKey),
    );
    const before = await state.get(origin);
    try {
      await cosignCheckpoint(witness, { note: forked, proof: [] });
      expect.fail("expected the witness to refuse the fork");
    } catch (err) {
      expect(isProtocolError(err) && err.code).to.equal(WITNESS_FORK_DETECTED);
    }
    expect(await state.get(origin)).to.deep.equal(before);
  });
});
