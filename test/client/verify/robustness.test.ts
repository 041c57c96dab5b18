import { expect } from "chai";
import fc from "fast-check";
import { getAddress } from "viem";

import { type VerifierConfig, pinTrustRoots, policyStoreOf, verifyRun, verifyStep } from "../../../client/src/verify";

const MARKET = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const config: VerifierConfig = { trust: pinTrustRoots([]), policies: policyStoreOf([]) };
const NAMES = [
  "certificate.json",
  "certificate.sigstore.json",
  "state.jwe",
  "result.jwe",
  "next_tokens.jwe",
  "chain.json",
  "policy.json",
];
const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

describe("client/verify never throws and is never valid on arbitrary input", () => {
  it("answers a report for arbitrary files (bytes or JSON), never valid without trust", () => {
    const file = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.jsonValue({ maxDepth: 3 }).map(enc),
      fc.constant(enc({ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" })),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...NAMES), file),
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
        (files, from) => {
          const v = verifyStep(
            config,
            { chainId: 31337n, market: MARKET, entitlementId: 1n, step: 2 },
            from === undefined ? { files } : { files, fromCertificate: from },
          );
          expect(v.report.result).to.not.equal("valid");
          expect(v.attestation).to.equal(undefined);
        },
      ),
      { numRuns: 300, seed: 20261123 },
    );
  });

  it("answers a run report for arbitrary step maps, never valid", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.constantFrom(...NAMES), fc.uint8Array({ maxLength: 64 })), { maxLength: 4 }),
        (steps) => {
          const map = new Map(steps.map((f, i) => [i + 1, f] as const));
          const r = verifyRun(config, { chainId: 31337n, market: MARKET, entitlementId: 1n }, { steps: map });
          expect(r.report.result).to.not.equal("valid");
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});
