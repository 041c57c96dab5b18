import { expect } from "chai";

import { attestationModeOf, sigstoreEndpointsOf } from "../../../client/src/cli/commands/run";
import { CliError } from "../../../client/src/cli/errors";

const base = { entitlement: "1", capsule: "p.json", evidence: "e", wait: "1", passEnv: [] };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as CliError).code;
  }
  return "none";
}

describe("client/cli/commands/run (attestation is explicit, never a fallback)", () => {
  it("refuses to run a step with no attestation configured", () => {
    expect(codeOf(() => attestationModeOf(base))).to.equal("ATTESTATION_CONFIG_MISSING");
  });

  it("takes explicit Sigstore endpoints, or deferred attestation, but not both", () => {
    const urls = { sigstoreFulcioUrl: "http://127.0.0.1:1/fulcio", sigstoreTsaUrl: "http://127.0.0.1:1/tsa" };
    expect(attestationModeOf({ ...base, ...urls })).to.deep.equal({
      kind: "sigstore",
      endpoints: { fulcioUrl: urls.sigstoreFulcioUrl, tsaUrl: urls.sigstoreTsaUrl },
    });
    expect(attestationModeOf({ ...base, attestation: "deferred" })).to.deep.equal({ kind: "deferred" });
    expect(codeOf(() => attestationModeOf({ ...base, ...urls, attestation: "deferred" }))).to.equal(
      "ATTESTATION_CONFIG_INVALID",
    );
    expect(codeOf(() => attestationModeOf({ ...base, attestation: "later" }))).to.equal("ATTESTATION_CONFIG_INVALID");
  });

  it("refuses a Fulcio without a timestamp source, and a log without a Fulcio", () => {
    expect(codeOf(() => sigstoreEndpointsOf({ sigstoreFulcioUrl: "http://127.0.0.1:1" }))).to.equal(
      "ATTESTATION_CONFIG_INVALID",
    );
    expect(codeOf(() => sigstoreEndpointsOf({ sigstoreRekorUrl: "http://127.0.0.1:1" }))).to.equal(
      "ATTESTATION_CONFIG_INVALID",
    );
    expect(sigstoreEndpointsOf({})).to.equal(undefined);
  });
});
