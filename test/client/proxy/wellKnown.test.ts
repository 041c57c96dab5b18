import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";

import { createGatewayClient } from "../../../client/src/gateway/client";
import { jwkThumbprint } from "../../../client/src/protocol/keys";
import { netCapKeysFromDescription } from "../../../client/src/proxy";
import { devAccount } from "../../../devnet/stack";
import { type World, startWorld } from "../../e2e/support/world";

const BIN = path.join(__dirname, "..", "..", "..", "client", "bin", "swarm.js");

/** Runs `swarm` until it prints its result line (then stops it) or exits; returns stdout, exit code and stderr. */
function firstLine(args: string[]): Promise<{ line: string; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      // A result line means the proxy is serving: stop it. An error document means it is exiting on its own.
      if (out.includes("\n") && !out.includes('"error"')) {
        child.removeAllListeners("exit");
        child.once("exit", (code) => resolve({ line: out.trim(), code, stderr }));
        child.kill("SIGTERM");
      }
    });
    child.once("exit", (code) => resolve({ line: out.trim(), code, stderr }));
  });
}

describe("proxy/netCapKeys against a real gateway's well-known description", function () {
  this.timeout(120_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });

  after(async () => {
    await world?.stop();
  });

  it("accepts the gateway's netCap key, vouched for by its GatewayKeys signature", async () => {
    const description = (await createGatewayClient(world.url, fetch).describe()) as {
      keys: { netCap: { kid: string } };
    };
    const trusted = { gateway: world.gatewayAddress, chainId: 31337n, market: world.market };
    const [key] = await netCapKeysFromDescription(description, trusted);
    expect(jwkThumbprint(key!)).to.equal(description.keys.netCap.kid);
  });

  it("rejects the description when another gateway address is configured", async () => {
    const description = await createGatewayClient(world.url, fetch).describe();
    const trusted = { gateway: devAccount("seller").address, chainId: 31337n, market: world.market };
    try {
      await netCapKeysFromDescription(description, trusted);
      expect.fail("expected PROXY_KEYS_UNTRUSTED");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("PROXY_KEYS_UNTRUSTED");
    }
  });

  it("starts `swarm proxy --gateway-url` with the verified key, and refuses a wrong gateway address (exit 3)", async () => {
    const common = ["--json", "--chain-id", "31337", "--market", world.market, "--gateway-url", world.url, "proxy"];
    const ok = await firstLine([...common, "--gateway-address", world.gatewayAddress]);
    expect(ok.line, ok.stderr).to.contain("url");
    expect((JSON.parse(ok.line) as { url: string }).url).to.match(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    expect(ok.code).to.equal(0);
    const wrong = await firstLine([...common, "--gateway-address", devAccount("seller").address]);
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr).to.contain("error PROXY_KEYS_UNTRUSTED");
  });
});
