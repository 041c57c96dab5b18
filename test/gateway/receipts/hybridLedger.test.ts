import { readFile, writeFile } from "node:fs/promises";
import { expect } from "chai";

import { mlDsaKeyFromSeed } from "../../../client/src/protocol/hybrid";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { openLedger } from "../../../gateway/src/receipts";
import { ISSUER, entry, fixedClock, signerA, signerB, tempDir } from "./fixtures/receiptFixtures";

const ML_DSA = mlDsaKeyFromSeed(new Uint8Array(32).fill(7));
const HYBRID = { ...signerA, mlDsa: ML_DSA };

interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { keyid: string; sig: string }[];
}

async function codeOf(run: () => Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await run();
  } catch (err) {
    return err as { code?: string; message?: string };
  }
  return {};
}

describe("receipts/ledger signed hybrid (Ed25519 + ML-DSA-65)", function () {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const open = (signer: Parameters<typeof openLedger>[0]["signer"] = HYBRID) =>
    openLedger({ path: tmp.path, signer, issuer: ISSUER, clock: fixedClock().clock });

  /** Rewrites the ledger's last line through `edit` (kept canonical, so only the signature checks can catch it). */
  async function editLastLine(edit: (envelope: Envelope) => void): Promise<void> {
    const lines = (await readFile(tmp.path, "utf8")).split("\n").slice(0, -1);
    const last = JSON.parse(lines.at(-1)!) as Envelope;
    edit(last);
    lines[lines.length - 1] = canonicalJson(last);
    await writeFile(tmp.path, `${lines.join("\n")}\n`);
  }

  async function writeHybrid(n: number): Promise<void> {
    const ledger = await open();
    for (let i = 0; i < n; i++) await ledger.append(entry(i));
    await ledger.close();
  }

  beforeEach(async () => {
    tmp = await tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("appends hybrid lines, closes, reopens with the chain verified, and keeps appending", async function () {
    await writeHybrid(4);
    const ledger = await open();
    expect(ledger.opened.size).to.equal(4);
    await ledger.append(entry(4));
    await ledger.close();
    const reopened = await open();
    expect(reopened.opened.size).to.equal(5);
    await reopened.close();
    const lines = (await readFile(tmp.path, "utf8")).split("\n").slice(0, -1);
    expect(lines.map((l) => (JSON.parse(l) as Envelope).signatures.length)).to.deep.equal([2, 2, 2, 2, 2]);
  });

  it("refuses to reopen a ledger whose last line's ML-DSA signature was flipped (LEDGER_CORRUPT)", async function () {
    await writeHybrid(3);
    await editLastLine((e) => {
      const sig = Buffer.from(e.signatures[1]!.sig, "base64");
      sig[100]! ^= 1;
      e.signatures[1]!.sig = sig.toString("base64");
    });
    const err = await codeOf(() => open());
    expect(err.code).to.equal("LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 2: RECEIPT_SIGNATURE_INVALID: .*ML-DSA/);
  });

  it("refuses a last line stripped of its ML-DSA signature after hybrid lines (a downgrade) with LEDGER_CORRUPT", async function () {
    await writeHybrid(3);
    await editLastLine((e) => void e.signatures.splice(1, 1));
    const err = await codeOf(() => open());
    expect(err.code).to.equal("LEDGER_CORRUPT");
    expect(err.message).to.match(/^line 2: /);
  });

  it("refuses to reopen a hybrid ledger without the ML-DSA key (fail closed: LEDGER_KEY_MISMATCH)", async function () {
    await writeHybrid(2);
    expect((await codeOf(() => open(signerA))).code).to.equal("LEDGER_KEY_MISMATCH");
  });

  it("refuses to reopen a hybrid ledger with another ML-DSA key (LEDGER_KEY_MISMATCH)", async function () {
    await writeHybrid(2);
    const other = { ...signerA, mlDsa: mlDsaKeyFromSeed(new Uint8Array(32).fill(8)) };
    expect((await codeOf(() => open(other))).code).to.equal("LEDGER_KEY_MISMATCH");
  });

  it("continues an Ed25519-only ledger hybrid once the ML-DSA key is configured", async function () {
    const plain = await open(signerA);
    await plain.append(entry(0));
    await plain.close();
    const ledger = await open();
    expect(ledger.opened.size).to.equal(1);
    await ledger.append(entry(1));
    await ledger.close();
    expect((await open()).opened.size).to.equal(2);
  });

  it("keeps signing hybrid across an Ed25519 key rotation, and reopens under the rotated key", async function () {
    const ledger = await open();
    await ledger.append(entry(0));
    await ledger.rotateKey(signerB);
    await ledger.append(entry(1));
    await ledger.close();
    const reopened = await openLedger({
      path: tmp.path,
      signer: { ...signerB, mlDsa: ML_DSA },
      genesisPublicKey: signerA.publicKey,
      issuer: ISSUER,
      clock: fixedClock().clock,
    });
    expect(reopened.opened).to.include({ size: 3, rotations: 1 });
    await reopened.close();
  });
});
