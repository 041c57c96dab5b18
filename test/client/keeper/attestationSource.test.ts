import { expect } from "chai";
import { type Hex, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { httpAttestationSource } from "../../../client/src/keeper/attestationSource";
import { KeeperErrorCode } from "../../../client/src/keeper/errors";
import type { StepAttestation } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { REPORT_VERSION, createVerifierClient, stepAttestationToJson } from "../../../client/src/verify";
import { signWith } from "./fakes";

const REF = { chainId: 31337n, market: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3") };
const VERIFIER = privateKeyToAccount(`0x${"0".repeat(63)}7` as Hex);
const ATT: StepAttestation = {
  entitlementId: 3n,
  step: 1,
  permitDigest: `0x${"11".repeat(32)}`,
  certificateHash: `0x${"22".repeat(32)}`,
  prevCertificateHash: `0x${"00".repeat(32)}`,
  commit: `0x${"33".repeat(20)}`,
  policyHash: `0x${"44".repeat(32)}`,
};
const ASK = { ref: REF, entitlementId: 3n, step: 1, files: { "certificate.json": new Uint8Array([1]) } };
const REPORT = {
  version: REPORT_VERSION,
  kind: "step",
  chainId: "31337",
  market: REF.market.toLowerCase(),
  entitlementId: "3",
  step: 1,
  missing: [],
};

/** A fetch that answers every request with `status` and `body`, and records the request bodies. */
function answering(status: number, body: unknown, seen: unknown[] = []): typeof fetch {
  return async (_url, init) => {
    seen.push(JSON.parse(String(init?.body)));
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isProtocolError(e) ? e.code : String(e)),
  );
}

describe("keeper attestation source over the verifier service", () => {
  const source = (f: typeof fetch) => httpAttestationSource("v", createVerifierClient("http://127.0.0.1:9", f));

  it("sends the step's files base64-encoded and returns the verifier's checked signature", async () => {
    const signature = await signWith(VERIFIER, REF, ATT);
    const seen: unknown[] = [];
    const answer = await source(
      answering(
        200,
        {
          status: "valid",
          chainId: "31337",
          market: REF.market.toLowerCase(),
          verifier: VERIFIER.address.toLowerCase(),
          attestation: stepAttestationToJson(ATT),
          signature,
          repeated: false,
          report: { ...REPORT, result: "valid", checks: [] },
        },
        seen,
      ),
    ).attest(ASK);
    expect(answer).to.deep.equal({
      status: "valid",
      verifier: VERIFIER.address.toLowerCase(),
      attestation: ATT,
      signature,
    });
    expect(seen[0]).to.deep.include({ entitlementId: "3", step: 1, files: { "certificate.json": "AQ==" } });
  });

  it("sends the genesis state base64-encoded with a step from genesis, and nothing when the ask has none", async () => {
    const seen: unknown[] = [];
    const refusal = { status: "indeterminate", report: { ...REPORT, result: "indeterminate", checks: [] } };
    await source(answering(422, refusal, seen)).attest({ ...ASK, genesisState: new TextEncoder().encode("g") });
    await source(answering(422, refusal, seen)).attest(ASK);
    expect(seen[0]).to.deep.include({ genesisState: "Zw==" });
    expect(seen[1]).to.not.have.property("genesisState");
  });

  it("turns a 422 into a refusal naming the failed check", async () => {
    const answer = await source(
      answering(422, {
        status: "invalid",
        report: {
          ...REPORT,
          result: "invalid",
          code: "FAILURE_CONTINUITY_BROKEN",
          checks: [{ name: "continuity", status: "failed", code: "FAILURE_CONTINUITY_BROKEN", detail: "stateIn" }],
        },
      }),
    ).attest(ASK);
    expect(answer).to.deep.equal({ status: "invalid", reason: "FAILURE_CONTINUITY_BROKEN (continuity: stateIn)" });
  });

  it("treats a verifier that signed another certificate of the step (409) as a refusal, not an outage", async () => {
    const answer = await source(
      answering(409, { code: "ATTESTATION_CONFLICT", message: "another certificate" }),
    ).attest(ASK);
    expect(answer.status).to.equal("invalid");
  });

  it("reports an unreachable or failing verifier as unavailable, to be retried", async () => {
    expect(await codeOf(source(answering(503, { code: "VERIFY_UNAVAILABLE", message: "rpc" })).attest(ASK))).to.equal(
      KeeperErrorCode.VERIFIER_UNAVAILABLE,
    );
    const down: typeof fetch = () => Promise.reject(new Error("ECONNREFUSED"));
    expect(await codeOf(source(down).attest(ASK))).to.equal(KeeperErrorCode.VERIFIER_UNAVAILABLE);
  });

  it("rejects a 200 whose signature does not recover to the verifier it names", async () => {
    const other = privateKeyToAccount(`0x${"0".repeat(63)}8` as Hex);
    const answer = answering(200, {
      status: "valid",
      chainId: "31337",
      market: REF.market.toLowerCase(),
      verifier: VERIFIER.address.toLowerCase(),
      attestation: stepAttestationToJson(ATT),
      signature: await signWith(other, REF, ATT),
      repeated: false,
      report: { ...REPORT, result: "valid", checks: [] },
    });
    expect(await codeOf(source(answer).attest(ASK))).to.equal(KeeperErrorCode.VERIFIER_UNAVAILABLE);
  });
});
