import { type KeyObject, createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundleInputs, type BundlePins, buildBundleFiles, writeBundleDir } from "../../../../client/src/bundle";
import { GENESIS_PREV, type Hex } from "../../../../client/src/protocol/receipts";
import {
  SIG_TYPE_COSIGNATURE_V1,
  cosign,
  ed25519NoteSigner,
  formatNote,
  inclusionProof,
  leafHash,
  noteVerifierKey,
  parseNote,
  rootOf,
  signCheckpoint,
} from "../../../../client/src/protocol/transparency";
import { createDevnetPki, createTimestampAuthority } from "../../../../devnet/sigstore";
import { openLedger } from "../../../../gateway/src/receipts/ledger";

const PKCS8_ED25519_PREFIX = "302e020100300506032b657004220420";

/** A fixed Ed25519 key pair from a one-byte seed pattern. */
export function keyPair(byte: number): { privateKey: KeyObject; publicKey: KeyObject } {
  const seed = byte.toString(16).padStart(2, "0").repeat(32);
  const privateKey = createPrivateKey({
    key: Buffer.from(PKCS8_ED25519_PREFIX + seed, "hex"),
    format: "der",
    type: "pkcs8",
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export const ISSUER = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";
export const ORIGIN = "swarm/devnet-receipts-log";
export const org = keyPair(0x41);
export const receiptKey = keyPair(0x42);
export const logKey = keyPair(0x43);
export const witnessKeys = [keyPair(0x51), keyPair(0x52), keyPair(0x53)];
export const witnessNames = ["witness-a", "witness-b", "witness-c"];
export const attacker = keyPair(0x66);
export const NOW = new Date("2026-11-23T13:00:00.000Z");
export const clock = (): Date => NOW;
const COSIGN_TIME = Math.floor(NOW.getTime() / 1000) - 60;

/** The ledger lines (exact bytes) of `count` receipts written by the gateway's real ledger code. */
export async function ledgerLines(count: number, variant = "a"): Promise<Buffer[]> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-bundle-ledger-"));
  try {
    const path = join(dir, "receipts.ndjson");
    const ledger = await openLedger({ path, signer: receiptKey, issuer: ISSUER, clock });
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        ledger.append({
          kind: "released",
          subject: { entitlementId: "7", step: String(i + 1) },
          actor: { sub: `repo:acme/build:ref:refs/heads/${variant}` },
          intent: { permitDigest: `0x${"ab".repeat(32)}` },
          result: { txHash: `0x${"cd".repeat(32)}`, ok: true },
        }),
      ),
    );
    await ledger.close();
    const data = await readFile(path);
    return data
      .subarray(0, data.length - 1)
      .toString("utf8")
      .split("\n")
      .map((l) => Buffer.from(l, "utf8"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A checkpoint note over `lines` signed by `signer` under `origin`, cosigned by the witnesses at `cosigners`. */
export function checkpointNote(
  lines: readonly Buffer[],
  options: { origin?: string; signerName?: string; signer?: KeyObject; cosigners?: readonly number[] } = {},
): { note: string; root: Uint8Array } {
  const root = rootOf(lines.map(leafHash));
  const signed = signCheckpoint(
    { origin: options.origin ?? ORIGIN, treeSize: lines.length, rootHash: root, extensions: [] },
    ed25519NoteSigner(options.signerName ?? options.origin ?? ORIGIN, options.signer ?? logKey.privateKey),
  );
  const parsed = parseNote(signed);
  const cosignatures = (options.cosigners ?? [0, 1, 2]).map((i) =>
    cosign(parsed.text, { name: witnessNames[i]!, privateKey: witnessKeys[i]!.privateKey }, COSIGN_TIME),
  );
  return { note: formatNote({ text: parsed.text, signatures: [...parsed.signatures, ...cosignatures] }), root };
}

/** The witnesses' note verifier keys (cosignature/v1). */
export const witnessVkeys = witnessKeys.map((k, i) =>
  noteVerifierKey(witnessNames[i]!, k.publicKey, SIG_TYPE_COSIGNATURE_V1),
);

/** Inputs of a full bundle over `lines` (whole log; checkpoint cosigned by 3 witnesses, k = 2; anchor record). */
export function fullInputs(lines: readonly Buffer[], overrides: Partial<BundleInputs> = {}): BundleInputs {
  const { note, root } = checkpointNote(lines);
  const rootHex = `0x${Buffer.from(root).toString("hex")}` as Hex;
  return {
    subject: {
      kind: "entitlement",
      chainId: "31337",
      market: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      entitlementId: "7",
    },
    signer: org,
    clock,
    receipts: { lines, firstSeq: 0, firstPrev: GENESIS_PREV, issuer: ISSUER, publicKey: receiptKey.publicKey },
    log: {
      origin: ORIGIN,
      publicKey: logKey.publicKey,
      checkpoint: note,
      treeSize: lines.length,
      root,
      witnesses: { threshold: 2, keys: witnessVkeys },
    },
    anchor: {
      epoch: "1",
      treeSize: String(lines.length),
      root: rootHex,
      prevRoot: `0x${"00".repeat(32)}`,
      chainId: "31337",
      contract: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
      issuer: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
      transactionHash: `0x${"ef".repeat(32)}`,
      blockNumber: "12",
    },
    artifacts: [
      { path: "7/1/certificate.json", bytes: Buffer.from('{"version":"1"}') },
      { path: "policy/capsule.json", bytes: Buffer.from('{"version":"swarm/policy/v1"}') },
    ],
    ...overrides,
  };
}

/** Inputs of a partial bundle: lines [from, to) of `lines`, each with an inclusion proof into the whole tree. */
export function partialInputs(lines: readonly Buffer[], from: number, to: number): BundleInputs {
  const full = fullInputs(lines);
  const leaves = lines.map(leafHash);
  const subset = lines.slice(from, to);
  const prev =
    from === 0
      ? GENESIS_PREV
      : (`0x${createHash("sha256")
          .update(lines[from - 1]!)
          .digest("hex")}` as Hex);
  return {
    ...full,
    receipts: { ...full.receipts, lines: subset, firstSeq: from, firstPrev: prev },
    log: { ...full.log!, inclusion: subset.map((_, i) => inclusionProof(leaves, from + i, lines.length)) },
  };
}

/** Builds the bundle's files in memory. */
export function bundleFiles(inputs: BundleInputs): Promise<Map<string, Buffer>> {
  return buildBundleFiles(inputs);
}

/** Writes `files` into a fresh temp directory; returns it and a cleanup. */
export async function writeTemp(
  files: ReadonlyMap<string, Buffer>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), "swarm-bundle-"));
  const dir = join(parent, "bundle");
  await writeBundleDir(dir, files);
  return { dir, cleanup: () => rm(parent, { recursive: true, force: true }) };
}

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END CERTIFICATE-----\n`;

/** The devnet's local RFC 3161 TSA (explicit test configuration): a stamping function and its chain as PEM. */
export async function localTsa(tsaClock: () => Date = clock): Promise<NonNullable<BundleInputs["timestamp"]>> {
  const pki = await createDevnetPki(NOW);
  const chain = [pki.tsaSigner, pki.tsaIntermediate, pki.root].map((c) => Buffer.from(c.certificate.rawData));
  const tsa = createTimestampAuthority(pki.tsaSigner, chain, tsaClock);
  return {
    stamp: (digest) => tsa({ artifactHash: digest.toString("base64"), hashAlgorithm: "sha256" }),
    tsaChainPem: chain.map(pem).join(""),
  };
}

/** The full bundle's witness policy as a verifier pins it (k = 2 of the three test witnesses, this log). */
export const witnessPolicy = { threshold: 2, witnesses: witnessVkeys, origin: ORIGIN };

/** What an auditor pins for a full bundle: the org key, the witness policy and, when given, the TSA chain. */
export function fullPins(tsaChainPem?: string): BundlePins {
  return {
    issuerKey: org.publicKey,
    witnessPolicy,
    ...(tsaChainPem === undefined ? {} : { tsaChainPem }),
  };
}
