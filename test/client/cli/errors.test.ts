import { expect } from "chai";

import { CliError, reportOf } from "../../../client/src/cli/errors";
import { ExitCode } from "../../../client/src/cli/exitCodes";
import { MarketError } from "../../../client/src/chain/errors";
import { GatewayRequestError } from "../../../client/src/gateway/client";
import { ProtocolError } from "../../../client/src/protocol/errors";

describe("client/cli/errors (exit-code mapping)", () => {
  it("maps a market revert to 4 (refused by a remote), keeping its code", () => {
    const r = reportOf(
      new MarketError("MARKET_STEPS_EXHAUSTED", "StepsExhausted(step=3, bought=2)", "StepsExhausted", [3, 2]),
    );
    expect(r).to.include({ code: "MARKET_STEPS_EXHAUSTED", exitCode: ExitCode.REFUSED });
  });

  it("maps an unreachable RPC to 5 and a wrong chain to 3", () => {
    expect(reportOf(new ProtocolError("CHAIN_CALL_FAILED", "x")).exitCode).to.equal(ExitCode.UNAVAILABLE);
    expect(reportOf(new ProtocolError("CHAIN_MISMATCH", "x")).exitCode).to.equal(ExitCode.USAGE);
  });

  it("maps a gateway refusal to 4 and a gateway outage to 5", () => {
    expect(reportOf(new GatewayRequestError("PERMIT_CONSUMED", "x", 409)).exitCode).to.equal(ExitCode.REFUSED);
    expect(reportOf(new GatewayRequestError("UNAVAILABLE", "x", 503)).exitCode).to.equal(ExitCode.UNAVAILABLE);
    expect(reportOf(new GatewayRequestError("NETWORK", "x", 0)).exitCode).to.equal(ExitCode.UNAVAILABLE);
  });

  it("maps a failed input check to 1 (invalid) and names the cause's code", () => {
    const cause = new ProtocolError("SIGNATURE_ERROR", "signature mismatch");
    const r = reportOf(new ProtocolError("INPUT_ATTESTATION_INVALID", "does not verify", { cause }));
    expect(r.exitCode).to.equal(ExitCode.INVALID);
    expect(r.message).to.equal("does not verify (SIGNATURE_ERROR: signature mismatch)");
    expect(reportOf(new ProtocolError("INPUT_STATE_MISMATCH", "x")).exitCode).to.equal(ExitCode.INVALID);
    expect(reportOf(new ProtocolError("POLICY_MISMATCH", "x")).exitCode).to.equal(ExitCode.INVALID);
  });

  it("maps a missing OIDC environment and existing evidence to 3", () => {
    expect(reportOf(new ProtocolError("OIDC_ENV_MISSING", "x")).exitCode).to.equal(ExitCode.USAGE);
    expect(reportOf(new ProtocolError("EVIDENCE_EXISTS", "x")).exitCode).to.equal(ExitCode.USAGE);
    expect(reportOf(new ProtocolError("PERMIT_WAIT_TIMEOUT", "x")).exitCode).to.equal(ExitCode.UNAVAILABLE);
  });

  it("keeps a CliError's own code, exit code and hint", () => {
    expect(reportOf(new CliError("X_Y", "m", ExitCode.INDETERMINATE, "h"))).to.deep.equal({
      code: "X_Y",
      message: "m",
      hint: "h",
      exitCode: ExitCode.INDETERMINATE,
    });
  });

  it("reports an unexpected error as indeterminate (2), first line of its message only", () => {
    const r = reportOf(new Error("boom\n  at https://rpc.example/API_KEY"));
    expect(r).to.include({ code: "UNEXPECTED", message: "boom", exitCode: ExitCode.INDETERMINATE });
  });
});
