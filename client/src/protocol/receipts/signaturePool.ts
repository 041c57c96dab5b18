import { type KeyObject, verify } from "node:crypto";
import { Worker } from "node:worker_threads";

/** One Ed25519 check: the signed message (the DSSE PAE), the 64-byte signature and the key. */
export interface SignatureCheck {
  readonly message: Buffer;
  readonly signature: Buffer;
  readonly key: KeyObject;
}

/** Verifies batches of Ed25519 signatures; resolves to the index of the first that fails, or -1. */
export interface SignatureVerifier {
  firstInvalid(checks: readonly SignatureCheck[]): Promise<number>;
  close(): Promise<void>;
}

// Plain JavaScript so the worker needs no TypeScript loader: it only calls node:crypto. Messages carry one
// ArrayBuffer of [u32 keyIndex, u32 msgLen, msg, 64-byte sig]* and the keys as SPKI DER; it answers the first
// failing position within its slice, or -1.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");
parentPort.on("message", ({ id, keys, buffer, count }) => {
  const ks = keys.map((der) => createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" }));
  const data = Buffer.from(buffer);
  let at = 0, bad = -1;
  for (let i = 0; i < count; i++) {
    const k = data.readUInt32BE(at); const len = data.readUInt32BE(at + 4); at += 8;
    const msg = data.subarray(at, at + len); at += len;
    const sig = data.subarray(at, at + 64); at += 64;
    if (bad === -1 && !verify(null, msg, ks[k], sig)) bad = i;
  }
  parentPort.postMessage({ id, bad });
});
`;

function pack(checks: readonly SignatureCheck[]): { keys: Uint8Array[]; buffer: ArrayBuffer } {
  const keyIndex = new Map<KeyObject, number>();
  const keys: Uint8Array[] = [];
  let size = 0;
  for (const c of checks) size += 8 + c.message.length + 64;
  const data = Buffer.alloc(size);
  let at = 0;
  for (const c of checks) {
    let k = keyIndex.get(c.key);
    if (k === undefined) {
      k = keys.length;
      keyIndex.set(c.key, k);
      keys.push(new Uint8Array(c.key.export({ format: "der", type: "spki" })));
    }
    data.writeUInt32BE(k, at);
    data.writeUInt32BE(c.message.length, at + 4);
    at += 8;
    at += c.message.copy(data, at);
    at += c.signature.copy(data, at, 0, 64);
  }
  return { keys, buffer: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer };
}

/** Verifies on the calling thread: the reference behaviour, and the choice when no cores are spare. */
export const inlineSignatureVerifier: SignatureVerifier = {
  async firstInvalid(checks) {
    return checks.findIndex((c) => c.signature.length !== 64 || !verify(null, c.message, c.key, c.signature));
  },
  async close() {},
};

/**
 * A verifier that splits each batch between the calling thread and `workers` worker threads (node:crypto in each:
 * Ed25519 has no batch verification in node, so cores are the lever). Close it when done.
 */
export function createSignaturePool(workers: number): SignatureVerifier {
  if (workers < 1) return inlineSignatureVerifier;
  const pool = Array.from({ length: workers }, () => new Worker(WORKER_SOURCE, { eval: true }));
  let next = 0;
  const run = (worker: Worker, checks: readonly SignatureCheck[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const id = next++;
      const { keys, buffer } = pack(checks);
      const onMessage = (m: { id: number; bad: number }) => {
        if (m.id !== id) return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve(m.bad);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.postMessage({ id, keys, buffer, count: checks.length }, [buffer]);
    });
  return {
    async firstInvalid(checks) {
      const parts = workers + 1;
      const size = Math.ceil(checks.length / parts);
      const slices = Array.from({ length: parts }, (_, i) => checks.slice(i * size, (i + 1) * size));
      // Post to the workers first: the calling thread's share runs synchronously.
      const remote = pool.map((w, i) => (slices[i + 1]!.length === 0 ? Promise.resolve(-1) : run(w, slices[i + 1]!)));
      const local = await inlineSignatureVerifier.firstInvalid(slices[0]!);
      const results = [local, ...(await Promise.all(remote))];
      const failing = results.findIndex((r) => r !== -1);
      return failing === -1 ? -1 : failing * size + results[failing]!;
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
