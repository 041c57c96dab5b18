import { expect } from "chai";
import { type Address, type Hex, getAddress, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { AttestationSource } from "../../../client/src/keeper/attestationSource";
import { KeeperErrorCode } from "../../../client/src/keeper/errors";
import { ascending, collectQuorum } from "../../../client/src/keeper/quorum";
import type { StepAttestation } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { signWith } from "./fakes";

const REF = { chainId: 31337n, market: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3") };
const KEYS: Hex[] = [1, 2, 3, 4].map((n) => `0x${n.toString(16).padStart(64, "0")}` as Hex);
const ACCOUNTS = KEYS.map((k) => privateKeyToAccount(k));
const VERIFIERS = ACCOUNTS.slice(0, 3)
  .map((a) => a.address)
  .sort(ascending);
const EXPECTED = {
  entitlementId: 1n,
  step: 2,
  permitDigest: `0x${"11".repeat(32)}` as Hex,
  prevCertificateHash: `0x${"22".repeat(32)}` as Hex,
  commit: `0x${"33".repeat(20)}` as Hex,
  policyHash: `0x${"44".repeat(32)}` as Hex,
};
const ATT: StepAttestation = { ...EXPECTED, certificateHash: `0x${"55".repeat(32)}` };
const ASK = { ref: REF, entitlementId: 1n, step: 2, files: {} };

/** A source answering as `signer`, claiming to be `as` (default: itself), over `att`. */
function source(i: number, att: StepAttestation = ATT, as?: Address): AttestationSource {
  const signer = ACCOUNTS[i]!;
  return {
    name: `v${i}`,
    attest: async () => ({
      status: "valid",
      verifier: as ?? signer.address,
      attestation: att,
      signature: await signWith(signer, REF, att),
    }),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isProtocolError(e) ? e.code : String(e)),
  );
}

describe("keeper quorum collection", () => {
  it("returns exactly quorum signatures, sorted by ascending signer as claim requires", async () => {
    const q = await collectQuorum([source(2), source(0), source(1)], ASK, EXPECTED, {
      verifiers: VERIFIERS,
      quorum: 2,
    });
    expect(q.signers).to.deep.equal(VERIFIERS.slice(0, 2));
    expect(q.signatures).to.have.length(2);
    expect(q.attestation).to.deep.equal(ATT);
  });

  it("drops a forged signature: one that recovers to someone other than the verifier it names", async () => {
    const notes: { source: string; outcome: string }[] = [];
    const forged = source(3, ATT, ACCOUNTS[0]!.address);
    expect(await codeOf(collectQuorum([forged], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 }, notes))).to.equal(
      KeeperErrorCode.QUORUM_NOT_REACHED,
    );
    expect(notes).to.deep.equal([{ source: "v3", outcome: KeeperErrorCode.SIGNATURE_INVALID }]);
  });

  it("drops a signature by a key that is not one of the offer's verifiers", async () => {
    expect(await codeOf(collectQuorum([source(3)], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 }))).to.equal(
      KeeperErrorCode.QUORUM_NOT_REACHED,
    );
  });

  it("drops a signature over another attestation than the chain calls for (wrong prev certificate)", async () => {
    const notes: { source: string; outcome: string }[] = [];
    const wrong = source(0, { ...ATT, prevCertificateHash: zeroHash });
    await codeOf(collectQuorum([wrong], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 }, notes));
    expect(notes[0]!.outcome).to.equal(KeeperErrorCode.ATTESTATION_MISMATCH);
  });

  it("refuses signatures below quorum, counting a verifier that answers twice once", async () => {
    expect(
      await codeOf(collectQuorum([source(0), source(0)], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 2 })),
    ).to.equal(KeeperErrorCode.QUORUM_NOT_REACHED);
  });

  it("counts a refusing or unreachable verifier as no signature, and still reaches quorum with the rest", async () => {
    const refusing: AttestationSource = { name: "r", attest: async () => ({ status: "invalid", reason: "x" }) };
    const down: AttestationSource = { name: "d", attest: () => Promise.reject(new Error("down")) };
    const q = await collectQuorum([refusing, down, source(1)], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 });
    expect(q.signers).to.deep.equal([ACCOUNTS[1]!.address]);
  });

  it("refuses when verifiers attest two different certificates of one step, each at quorum", async () => {
    const other = { ...ATT, certificateHash: `0x${"66".repeat(32)}` as Hex };
    expect(
      await codeOf(collectQuorum([source(0), source(1, other)], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 })),
    ).to.equal(KeeperErrorCode.QUORUM_NOT_REACHED);
  });

  it("never builds a claim from a zero certificate hash", async () => {
    const zero = { ...ATT, certificateHash: zeroHash };
    expect(await codeOf(collectQuorum([source(0, zero)], ASK, EXPECTED, { verifiers: VERIFIERS, quorum: 1 }))).to.equal(
      KeeperErrorCode.QUORUM_NOT_REACHED,
    );
  });
});
