import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { parsePrivateKey } from "../../../client/src/cli/keys";
import { runInProcess } from "./runtime";

const KEY = `0x${"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"}`;

describe("client/cli/program", () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(path.join(tmpdir(), "swarm-cli-"));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it("refuses a private key on the command line, before parsing, without echoing it", async () => {
    for (const flag of [`--private-key=${KEY}`, "--key", "--mnemonic"]) {
      const r = await runInProcess(["buy", "1", "--steps", "1", flag, KEY], { cwd });
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/^error SECRET_ON_COMMAND_LINE: /);
      expect(r.stderr + r.stdout).not.to.contain(KEY.slice(2));
    }
  });

  it("prints help with examples and exits 0", async () => {
    const r = await runInProcess(["offer", "publish", "--help"], { cwd });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("Example:");
    expect(r.stdout).to.contain("--capsule <file>");
  });

  it("maps an unknown option to exit 3 with one JSON error document under --json", async () => {
    const r = await runInProcess(["--json", "offer", "list", "--bogus"], { cwd });
    expect(r.code).to.equal(3);
    expect(JSON.parse(r.stdout).error.code).to.equal("USAGE_UNKNOWN_OPTION");
  });

  it("names the missing setting when no RPC URL is configured", async () => {
    const r = await runInProcess(["offer", "show", "1", "--json"], { cwd });
    expect(r.code).to.equal(3);
    const err = JSON.parse(r.stdout).error;
    expect(err.code).to.equal("CONFIG_MISSING");
    expect(err.hint).to.contain("SWARM_RPC_URL");
  });

  it("refuses a command that signs when no key is given (KEY_MISSING), before any request", async () => {
    const env = { SWARM_RPC_URL: "http://127.0.0.1:1", SWARM_MARKET: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    const r = await runInProcess(["withdraw"], { cwd, env });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^error KEY_MISSING: /);
  });

  it("reads a swarm.config.json from the cwd and refuses one holding a key", async () => {
    const dir = mkdtempSync(path.join(cwd, "cfg-"));
    writeFileSync(
      path.join(dir, "swarm.config.json"),
      JSON.stringify({ rpcUrl: "http://127.0.0.1:1", privateKey: KEY }),
    );
    const r = await runInProcess(["offer", "show", "1"], { cwd: dir });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^error SECRET_IN_CONFIG: /);
    expect(r.stderr).not.to.contain(KEY.slice(2));
  });

  it("reports an unreachable RPC as unavailable (exit 5)", async () => {
    const env = { SWARM_RPC_URL: "http://127.0.0.1:1", SWARM_MARKET: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    const r = await runInProcess(["offer", "show", "1"], {
      cwd,
      env,
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    expect(r.stderr).to.match(/^error CHAIN_CALL_FAILED: /);
    expect(r.code).to.equal(5);
  });

  it("refuses --network naming no deployment", async () => {
    const r = await runInProcess(["--network", "nowhere", "offer", "show", "1"], { cwd });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^error NETWORK_UNKNOWN: /);
  });

  it("reads the key from a key file, and refuses a malformed one without echoing it", () => {
    expect(parsePrivateKey(`  ${KEY.toUpperCase().replace("0X", "0x")}\n`, "f")).to.equal(KEY);
    expect(() => parsePrivateKey("0x1234", "f")).to.throw("expected a 32-byte hex private key");
    const file = path.join(cwd, "key");
    writeFileSync(file, "not a key");
    chmodSync(file, 0o600);
    return runInProcess(["--key-file", file, "withdraw"], {
      cwd,
      env: { SWARM_RPC_URL: "http://127.0.0.1:1", SWARM_MARKET: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
    }).then((r) => {
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/^error KEY_INVALID: /);
      expect(r.stderr).not.to.contain("not a key");
    });
  });
});
