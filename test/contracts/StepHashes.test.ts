import { expect } from "chai";
import { getAddress, hashTypedData, keccak256, toHex } from "viem";

import { marketDomain, stepAttestationTypes, stepPermitTypes } from "../../client/src/protocol/eip712";
import {
  attestationFor,
  certificateHash,
  marketFixture,
  nextPermit,
  publishOffer,
  purchaseEth,
} from "../helpers/market";

/** The canonical EIP-712 type string of a struct from its field list. */
function typeString(name: string, fields: readonly { name: string; type: string }[]): string {
  return `${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
}

describe("StepHashes", () => {
  it("uses the StepPermit type string of the design brief", () => {
    expect(typeString("StepPermit", stepPermitTypes.StepPermit)).to.equal(
      "StepPermit(uint256 entitlementId,uint32 step,uint32 fromStep,uint64 runId,uint32 runAttempt," +
        "bytes32 workerKey,bytes20 commit,bytes32 policyHash,address gateway,uint64 deadline)",
    );
  });

  it("uses the StepAttestation type string of the design brief", () => {
    expect(typeString("StepAttestation", stepAttestationTypes.StepAttestation)).to.equal(
      "StepAttestation(uint256 entitlementId,uint32 step,bytes32 permitDigest,bytes32 certificateHash," +
        "bytes32 prevCertificateHash,bytes20 commit,bytes32 policyHash)",
    );
  });

  it("computes the same permit digest as viem's hashTypedData", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 3);
    const permit = await nextPermit(fx, id, { runId: 123456789n, runAttempt: 7, workerKey: keccak256(toHex("k")) });
    const expected = hashTypedData({
      domain: marketDomain(fx.chainId, fx.market.address),
      types: stepPermitTypes,
      primaryType: "StepPermit",
      message: permit,
    });
    expect(await fx.market.read.hashStepPermit([permit])).to.equal(expected);
  });

  it("computes the same attestation digest as viem's hashTypedData", async () => {
    const fx = await marketFixture();
    const id = await purchaseEth(fx, await publishOffer(fx), 3);
    const permit = await nextPermit(fx, id);
    const att = attestationFor(permit, keccak256(toHex("digest")), certificateHash(1), certificateHash(0));
    const expected = hashTypedData({
      domain: marketDomain(fx.chainId, fx.market.address),
      types: stepAttestationTypes,
      primaryType: "StepAttestation",
      message: att,
    });
    expect(await fx.market.read.hashStepAttestation([att])).to.equal(expected);
  });

  it("reports the EIP-712 domain through ERC-5267", async () => {
    const fx = await marketFixture();
    const [, name, version, chainId, verifyingContract] = await fx.market.read.eip712Domain();
    expect([name, version, chainId, verifyingContract]).to.deep.equal([
      "SwarmMarket",
      "1",
      BigInt(fx.chainId),
      getAddress(fx.market.address),
    ]);
  });
});
