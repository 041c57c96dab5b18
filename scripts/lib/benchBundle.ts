import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildBundleFiles, verifyBundle, writeBundleDir } from "../../client/src/bundle";
import { GENESIS_PREV, type SignatureVerifier, createSignaturePool } from "../../client/src/protocol/receipts";
import {
  consistencyProof,
  ed25519NoteSigner,
  inclusionProof,
  leafHash,
  rootOf,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from "../../client/src/protocol/transparency";
import { openLedger } from "../../gateway/src/receipts/ledger";

const ISSUER = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
const clock = () => new Date("2026-11-23T13:00:00.000Z");

function keyPair(byte: number) {
  const seed = byte.toString(16).padStart(2, "0").repeat(32);
  const privateKey = createPrivateKey({
    key: Buffer.from(`302e020100300506032b657004220420${seed}`, "hex"),
    format: "der",
    type: "pkcs8",
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

const entry = (i: number) => ({
  kind: "released" as const,
  subject: { entitlementId: "7", step: String(i) },
  actor: { sub: "repo:acme/build:ref:refs/heads/main" },
  intent: { permitDigest: `0x${"ab".repeat(32)}` },
  result: { txHash: `0x${"cd".repeat(32)}`, ok: true },
});

async function withTemp<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-bench-bundle-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Receipts made durable per second by `appenders` concurrent sequential appenders, `total` receipts in all. */
export function benchAppends(appenders: number, total: number): Promise<number> {
  return withTemp(async (dir) => {
    const ledger = await openLedger({
      path: join(dir, "receipts.ndjson"),
      signer: keyPair(0x11),
      issuer: ISSUER,
      clock,
    });
    const per = Math.ceil(total / appenders);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        for (let i = 0; i < per; i++) await ledger.append(entry(a * per + i));
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await ledger.close();
    return (per * appenders) / seconds;
  });
}

/** What verifying the 10k bundle cost: wall time with a worker pool, and wall and CPU time on one thread. */
export interface VerifyFigures {
  /** Wall time, receipts' signatures split over a worker pool (one worker per spare core): the CLI's path. */
  readonly pooledMs: number;
  /** Wall time on the calling thread only. */
  readonly inlineMs: number;
  /** CPU time of that single-thread run: what it costs on an idle core, whatever else the machine is doing. */
  readonly inlineCpuMs: number;
}

/** Verifies (offline, issuer pinned) a bundle of `count` receipts with a checkpoint over them. */
export function benchVerify10k(count: number): Promise<VerifyFigures> {
  return withTemp(async (dir) => {
    const receiptKey = keyPair(0x11);
    const org = keyPair(0x41);
    const log = keyPair(0x43);
    const ledger = await openLedger({ path: join(dir, "receipts.ndjson"), signer: receiptKey, issuer: ISSUER, clock });
    await Promise.all(Array.from({ length: count }, (_, i) => ledger.append(entry(i))));
    await ledger.close();
    const data = await readFile(join(dir, "receipts.ndjson"));
    const lines = data
      .subarray(0, data.length - 1)
      .toString("utf8")
      .split("\n")
      .map((l) => Buffer.from(l));
    const root = rootOf(lines.map(leafHash));
    const origin = "swarm/bench-log";
    const checkpoint = signCheckpoint(
      { origin, treeSize: lines.length, rootHash: root, extensions: [] },
      ed25519NoteSigner(origin, log.privateKey),
    );
    const files = await buildBundleFiles({
      subject: {
        kind: "entitlement",
        chainId: "31337",
        market: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        entitlementId: "7",
      },
      signer: org,
      clock,
      receipts: { lines, firstSeq: 0, firstPrev: GENESIS_PREV, issuer: ISSUER, publicKey: receiptKey.publicKey },
      log: { origin, publicKey: log.publicKey, checkpoint, treeSize: lines.length, root },
    });
    const out = join(dir, "bundle");
    await writeBundleDir(out, files);
    const verifyOnce = async (signatures?: SignatureVerifier) => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const report = await verifyBundle(out, {
        clock,
        pins: { issuerKey: org.publicKey },
        ...(signatures === undefined ? {} : { signatures }),
      });
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      if (report.status !== "valid") throw new Error(`expected the bench bundle to verify, got ${report.code}`);
      return { ms, cpuMs: (used.user + used.system) / 1000 };
    };
    const pool = createSignaturePool(Math.max(0, availableParallelism() - 1));
    try {
      await verifyOnce(pool); // warm-up: workers started, code compiled
      const pooled = await verifyOnce(pool);
      const inline = await verifyOnce();
      return { pooledMs: pooled.ms, inlineMs: inline.ms, inlineCpuMs: inline.cpuMs };
    } finally {
      await pool.close();
    }
  });
}

/** Mean microseconds to verify one inclusion proof and one consistency proof in a tree of `size` leaves. */
export function benchProofs(size: number, rounds: number): { inclusionUs: number; consistencyUs: number } {
  const leaves = Array.from({ length: size }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const root = rootOf(leaves);
  const proofs = Array.from({ length: rounds }, (_, i) => (i * 7919) % size).map((index) => ({
    index,
    proof: inclusionProof(leaves, index, size),
  }));
  let start = performance.now();
  for (const p of proofs)
    verifyInclusion({ leafHash: leaves[p.index]!, index: p.index, treeSize: size, proof: p.proof, root });
  const inclusionUs = ((performance.now() - start) * 1000) / rounds;
  const sizes = Array.from({ length: 64 }, (_, i) => 1 + ((i * 7919) % (size - 1)));
  const roots = new Map(sizes.map((s) => [s, rootOf(leaves.slice(0, s))]));
  const cproofs = sizes.map((s) => ({ s, proof: consistencyProof(leaves, s, size) }));
  start = performance.now();
  for (let r = 0; r < rounds; r++) {
    const c = cproofs[r % cproofs.length]!;
    verifyConsistency({ size1: c.s, size2: size, root1: roots.get(c.s)!, root2: root, proof: c.proof });
  }
  const consistencyUs = ((performance.now() - start) * 1000) / rounds;
  return { inclusionUs, consistencyUs };
}
