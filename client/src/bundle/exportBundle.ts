import type { KeyObject } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Clock } from "../protocol/clock";
import { ProtocolError } from "../protocol/errors";
import { canonicalJson, sha256Hex } from "../protocol/jcs";
import type { Hex } from "../protocol/receipts";
import { leafHash, rootOf } from "../protocol/transparency";
import { type BundleClaim, claimBytes } from "./claim";
import { claimDigestLine, claimEnvelopeBytes, signClaim } from "./claimEnvelope";
import type { AnchorRecord } from "./context";
import { keyId, publicKeyPem } from "./keys";
import { BUNDLE_FILES, CLAIM_PREDICATE_TYPE, CLAIM_VERSION, type Layer, isBoundPath } from "./layout";
import { buildManifest, verifyBundlePath } from "./manifest";
import { formatRootFile } from "./rootTxt";

/** Everything a bundle is made of; the exporter decides nothing the inputs do not say. */
export interface BundleInputs {
  readonly subject: BundleClaim["subject"];
  /** The claim issuer's Ed25519 key pair (the exporter's org key, or the gateway's receipt key). */
  readonly signer: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly clock: Clock;
  /** Consecutive ledger lines (exact bytes, no newline) from firstSeq, and the receipt key in force there. */
  readonly receipts: {
    readonly lines: readonly Buffer[];
    readonly firstSeq: number;
    readonly firstPrev: Hex;
    readonly issuer: string;
    readonly publicKey: KeyObject;
  };
  /** The log's checkpoint covering the receipts (a signed note; witness cosignature lines included). */
  readonly log?: {
    readonly origin: string;
    readonly publicKey: KeyObject;
    readonly checkpoint: string;
    readonly treeSize: number;
    readonly root: Uint8Array;
    /** One RFC 9162 audit path per line, when the receipts are not the whole tree. */
    readonly inclusion?: readonly (readonly Uint8Array[])[];
    /** k and the witnesses' note verifier keys, when the claim declares the witness layer. */
    readonly witnesses?: { readonly threshold: number; readonly keys: readonly string[] };
  };
  /** A timestamping function (RFC 3161 TimeStampResp token over a sha256 digest) and the TSA's chain. */
  readonly timestamp?: {
    readonly stamp: (digest: Buffer) => Promise<Buffer>;
    readonly tsaChainPem: string;
    readonly tsaUrl?: string;
  };
  readonly anchor?: AnchorRecord;
  /** GatewayKeys (`{message, signature}` of the gateway's well-known document), for an on-chain identity pin. */
  readonly gatewayKeys?: unknown;
  /** Evidence files under artifacts/ (paths relative to artifacts/). */
  readonly artifacts?: readonly { readonly path: string; readonly bytes: Buffer }[];
}

const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;
const text = (s: string) => Buffer.from(s, "utf8");

/** Builds every file of a bundle in memory (MANIFEST.json last), by bundle path. */
export async function buildBundleFiles(inputs: BundleInputs): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const r = inputs.receipts;
  const receipts = Buffer.concat(r.lines.flatMap((l) => [l, Buffer.from("\n")]));
  files.set(BUNDLE_FILES.receipts, receipts);
  files.set(BUNDLE_FILES.orgKey, text(publicKeyPem(inputs.signer.publicKey)));
  files.set(BUNDLE_FILES.receiptKey, text(publicKeyPem(r.publicKey)));
  for (const a of inputs.artifacts ?? []) files.set(verifyBundlePath(`artifacts/${a.path}`), a.bytes);
  const layers: Layer[] = [];
  const log = inputs.log;
  if (inputs.timestamp !== undefined) {
    layers.push("timestamp");
    files.set(BUNDLE_FILES.tsaChain, text(inputs.timestamp.tsaChainPem));
  }
  if (log !== undefined) {
    layers.push("transparency");
    files.set(BUNDLE_FILES.logKey, text(publicKeyPem(log.publicKey)));
    files.set(BUNDLE_FILES.checkpoint, text(log.checkpoint));
    if (log.inclusion !== undefined) {
      const proofs = log.inclusion.map((p, i) => ({ seq: String(r.firstSeq + i), proof: p.map(hex) }));
      files.set(BUNDLE_FILES.inclusion, text(`${canonicalJson({ proofs })}\n`));
    }
    if (log.witnesses !== undefined) {
      layers.push("witness");
      files.set(BUNDLE_FILES.witnesses, text(log.witnesses.keys.map((k) => `${k}\n`).join("")));
    }
  }
  if (inputs.anchor !== undefined) {
    layers.push("anchor");
    files.set(BUNDLE_FILES.anchor, text(`${canonicalJson(inputs.anchor)}\n`));
  }
  if (inputs.gatewayKeys !== undefined)
    files.set(BUNDLE_FILES.gatewayKeys, text(`${canonicalJson(inputs.gatewayKeys)}\n`));
  const bound: Record<string, string> = {};
  for (const [path, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (isBoundPath(path)) bound[path] = sha256Hex(data);
  }
  const lastSeq = r.firstSeq + r.lines.length - 1;
  const claim: BundleClaim = {
    version: CLAIM_VERSION,
    issuer: { keyid: keyId(inputs.signer.publicKey) },
    subject: inputs.subject,
    issuedAt: inputs.clock().toISOString(),
    receipts: {
      issuer: r.issuer,
      keyid: keyId(r.publicKey),
      firstSeq: String(r.firstSeq),
      lastSeq: String(lastSeq),
      firstPrev: r.firstPrev,
      sha256: sha256Hex(receipts),
      partial: log === undefined ? r.firstSeq !== 0 : !(r.firstSeq === 0 && r.lines.length === log.treeSize),
    },
    layers,
    ...(log === undefined ? {} : { log: { origin: log.origin, treeSize: String(log.treeSize), root: hex(log.root) } }),
    ...(log?.witnesses === undefined ? {} : { witnessThreshold: String(log.witnesses.threshold) }),
    files: bound,
  };
  const claimJson = claimBytes(claim);
  const envelope = claimEnvelopeBytes(signClaim(claimJson, inputs.signer));
  files.set(BUNDLE_FILES.claim, claimJson);
  files.set(BUNDLE_FILES.claimDsse, envelope);
  files.set(BUNDLE_FILES.claimDsseSha256, text(claimDigestLine(envelope)));
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: BUNDLE_FILES.claim, digest: { sha256: sha256Hex(claimJson).slice(2) } }],
    predicateType: CLAIM_PREDICATE_TYPE,
    predicate: claim,
  };
  files.set(BUNDLE_FILES.claimIntoto, text(`${JSON.stringify(statement)}\n`));
  files.set(
    BUNDLE_FILES.root,
    text(
      formatRootFile({
        // With a log: its root and size. Without one: the root over the bundle's own receipt lines.
        merkleRoot: log === undefined ? hex(rootOf(r.lines.map(leafHash))) : hex(log.root),
        treeSize: BigInt(log?.treeSize ?? r.lines.length),
        firstSeq: BigInt(r.firstSeq),
        maxSeq: BigInt(lastSeq),
        receiptsSha256: sha256Hex(receipts),
      }),
    ),
  );
  if (inputs.timestamp !== undefined) {
    const digest = Buffer.from(sha256Hex(envelope).slice(2), "hex");
    files.set(BUNDLE_FILES.timestamp, await inputs.timestamp.stamp(digest));
    const meta = {
      digest: sha256Hex(envelope),
      digestAlgorithm: "sha256",
      target: BUNDLE_FILES.claimDsse,
      ...(inputs.timestamp.tsaUrl === undefined ? {} : { tsaUrl: inputs.timestamp.tsaUrl }),
    };
    files.set(BUNDLE_FILES.timestampMeta, text(`${JSON.stringify(meta)}\n`));
  }
  files.set(BUNDLE_FILES.manifest, text(`${JSON.stringify(buildManifest(files), null, 2)}\n`));
  return files;
}

/** Writes bundle files into `dir`, which must not exist or be empty; MANIFEST.json is written last. */
export async function writeBundleDir(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0)
    throw new ProtocolError("BUNDLE_DIR_NOT_EMPTY", "refusing to export into a non-empty directory");
  const ordered = [...files.keys()].filter((p) => p !== BUNDLE_FILES.manifest);
  for (const path of [...ordered, BUNDLE_FILES.manifest]) {
    const data = files.get(path);
    if (data === undefined) continue;
    const target = join(dir, verifyBundlePath(path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data, { flag: "wx" });
  }
}

/** Builds a bundle from `inputs` and writes it into `dir`; returns the paths written. */
export async function exportBundle(dir: string, inputs: BundleInputs): Promise<string[]> {
  const files = await buildBundleFiles(inputs);
  await writeBundleDir(dir, files);
  return [...files.keys()].sort();
}
