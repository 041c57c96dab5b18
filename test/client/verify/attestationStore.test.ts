import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Hex, getAddress, recoverTypedDataAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { type StepAttestation, marketDomain, stepAttestationTypes } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { fromViemAccount } from "../../../client/src/signer";
import { AttestRefusalCode, attestVerifiedStep, recordPath, signAttestationOnce } from "../../../client/src/verify";
import type { StepVerification } from "../../../client/src/verify";

const KEY = `0x${"5a".repeat(32)}` as const;
const MARKET = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const hex32 = (d: string) => `0x${d.repeat(64)}` as Hex;
const attestation = (cert = "c"): StepAttestation => ({
  entitlementId: 7n,
  step: 2,
  permitDigest: hex32("a"),
  certificateHash: hex32(cert),
  prevCertificateHash: hex32("b"),
  commit: `0x${"3".repeat(40)}`,
  policyHash: hex32("d"),
});

async function expectCode(action: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await action();
  } catch (err) {
    expect(isProtocolError(err), String(err)).to.equal(true);
    expect((err as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("client/verify attestation records: one certificate per step, recorded before the signature leaves", () => {
  let dir: string;
  const signer = fromViemAccount(privateKeyToAccount(KEY));
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "swarm-attest-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("signs a StepAttestation that recovers to the verifier, with the record already on disk", async () => {
    const signed = await signAttestationOnce(dir, signer, 31337n, MARKET, attestation());
    const onDisk = JSON.parse(await readFile(recordPath(dir, 31337n, MARKET, attestation()), "utf8"));
    expect(onDisk).to.deep.equal(signed.record);
    expect(signed.repeated).to.equal(false);
    const recovered = await recoverTypedDataAddress({
      domain: marketDomain(31337n, MARKET),
      types: stepAttestationTypes,
      primaryType: "StepAttestation",
      message: attestation(),
      signature: signed.record.signature as Hex,
    });
    expect(recovered).to.equal(signer.address);
  });

  it("returns the same signature when asked again for the same certificate (idempotent)", async () => {
    const first = await signAttestationOnce(dir, signer, 31337n, MARKET, attestation());
    const again = await signAttestationOnce(dir, signer, 31337n, MARKET, attestation());
    expect(again).to.deep.equal({ record: first.record, repeated: true });
  });

  it("refuses a second, different certificate for the same step: ATTESTATION_CONFLICT", async () => {
    await signAttestationOnce(dir, signer, 31337n, MARKET, attestation("c"));
    await expectCode(() => signAttestationOnce(dir, signer, 31337n, MARKET, attestation("e")), "ATTESTATION_CONFLICT");
    const other = { ...attestation("c"), prevCertificateHash: hex32("f") };
    await expectCode(() => signAttestationOnce(dir, signer, 31337n, MARKET, other), "ATTESTATION_CONFLICT");
  });

  it("lets only one of two racing certificates for a step through", async () => {
    const results = await Promise.allSettled(
      ["1", "2", "3", "4"].map((c) => signAttestationOnce(dir, signer, 31337n, MARKET, attestation(c))),
    );
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
    for (const r of results.filter((x) => x.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason.code).to.equal("ATTESTATION_CONFLICT");
    }
  });

  it("keeps steps, entitlements and markets apart", async () => {
    await signAttestationOnce(dir, signer, 31337n, MARKET, attestation("c"));
    const results = [
      await signAttestationOnce(dir, signer, 31337n, MARKET, { ...attestation("e"), step: 3 }),
      await signAttestationOnce(dir, signer, 31337n, MARKET, { ...attestation("e"), entitlementId: 8n }),
      await signAttestationOnce(dir, signer, 1n, MARKET, attestation("e")),
      await signAttestationOnce(dir, signer, 31337n, getAddress(`0x${"1".repeat(40)}`), attestation("e")),
    ];
    expect(results.map((r) => r.repeated)).to.deep.equal([false, false, false, false]);
  });

  it("survives a crash between write and link: a leftover temporary file neither blocks nor counts", async () => {
    const file = recordPath(dir, 31337n, MARKET, attestation());
    await signAttestationOnce(dir, signer, 31337n, MARKET, { ...attestation(), step: 1 });
    await writeFile(path.join(path.dirname(file), `.${path.basename(file)}.deadbeef.tmp`), "{half");
    const signed = await signAttestationOnce(dir, signer, 31337n, MARKET, attestation());
    expect(signed.repeated).to.equal(false);
    expect((await readdir(path.dirname(file))).filter((n) => !n.endsWith(".tmp")).sort()).to.deep.equal([
      "1.json",
      "2.json",
    ]);
  });

  it("refuses to sign over a corrupt record rather than guess: ATTESTATION_RECORD_CORRUPT", async () => {
    const file = recordPath(dir, 31337n, MARKET, attestation());
    await signAttestationOnce(dir, signer, 31337n, MARKET, attestation());
    await writeFile(file, "{not json");
    await expectCode(
      () => signAttestationOnce(dir, signer, 31337n, MARKET, attestation()),
      "ATTESTATION_RECORD_CORRUPT",
    );
  });

  it("records nothing when the signer fails", async () => {
    const failing = { address: signer.address, signTypedData: async () => Promise.reject(new Error("hsm offline")) };
    let thrown = false;
    await signAttestationOnce(dir, failing, 31337n, MARKET, attestation()).catch(() => (thrown = true));
    expect(thrown).to.equal(true);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("signs only a valid verification against RPC chain facts", async () => {
    const base = { attestation: attestation(), chainSource: "rpc" } as const;
    const report = (result: "valid" | "invalid" | "indeterminate") => ({ result }) as StepVerification["report"];
    const opts = { storeDir: dir, signer, chainId: 31337n, market: MARKET };
    await expectCode(
      () => attestVerifiedStep({ ...base, report: report("invalid") }, opts),
      AttestRefusalCode.NOT_VALID,
    );
    await expectCode(
      () => attestVerifiedStep({ ...base, report: report("indeterminate") }, opts),
      AttestRefusalCode.NOT_VALID,
    );
    await expectCode(
      () => attestVerifiedStep({ ...base, chainSource: "recorded", report: report("valid") }, opts),
      AttestRefusalCode.CHAIN_UNCONFIRMED,
    );
    expect(await readdir(dir)).to.deep.equal([]);
    const signed = await attestVerifiedStep({ ...base, report: report("valid") }, opts);
    expect(signed.record.attestation.step).to.equal("2");
  });
});
