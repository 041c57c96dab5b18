import { expect } from "chai";

import { ExitCode } from "../../../client/src/cli/exitCodes";
import { Output, formatFields } from "../../../client/src/cli/output";

function capture(json: boolean) {
  const s = { out: "", err: "" };
  const out = new Output({ stdout: (t) => void (s.out += t), stderr: (t) => void (s.err += t) }, json);
  return { s, out };
}

describe("client/cli/output", () => {
  it("prints exactly one JSON document with --json: bigints as strings, bytes as hex, progress on stderr", () => {
    const { s, out } = capture(true);
    out.progress("waiting");
    out.result({ id: 12345678901234567890n, b: new Uint8Array([1, 255]) }, "human text");
    expect(JSON.parse(s.out)).to.deep.equal({ id: "12345678901234567890", b: "0x01ff" });
    expect(s.out.trim().split("\n")).to.have.length(1);
    expect(s.err).to.equal("… waiting\n");
  });

  it("prints human text without --json, fields in two columns", () => {
    const { s, out } = capture(false);
    out.result({ a: 1 }, { offer: "1", policyHash: "0xab" });
    expect(s.out).to.equal("offer       1\npolicyHash  0xab\n");
    expect(formatFields({ a: 1n, bb: true })).to.deep.equal(["a   1", "bb  true"]);
  });

  it("refuses a second result, so a command cannot print two documents", () => {
    const { out } = capture(true);
    out.result({});
    expect(() => out.result({})).to.throw("one result");
  });

  it("prints errors on stderr, and with --json also one JSON error document on stdout", () => {
    const { s, out } = capture(true);
    out.error({ code: "KEY_MISSING", message: "no key", hint: "set it", exitCode: ExitCode.USAGE });
    expect(s.err).to.equal("error KEY_MISSING: no key\nhint: set it\n");
    expect(JSON.parse(s.out)).to.deep.equal({
      error: { code: "KEY_MISSING", message: "no key", hint: "set it", exitCode: 3 },
    });
  });

  it("carries a verdict's exit code", () => {
    const { out } = capture(false);
    out.result({ valid: false }, "invalid", { exitCode: ExitCode.INVALID });
    expect(out.exitCode).to.equal(ExitCode.INVALID);
  });
});
