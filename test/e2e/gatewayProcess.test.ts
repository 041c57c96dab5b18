import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { writeDevGatewayConfig } from "../../devnet/gatewayConfig";
import { type DevStack, startDevStack } from "../../devnet/stack";
import { startGatewayProcess } from "../../devnet/gatewayProcess";

describe("e2e: npm run gateway as a process", function () {
  this.timeout(180_000);
  let stack: DevStack;
  let dir: string;

  before(async () => {
    stack = await startDevStack();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-gw-"));
  });

  after(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts from a config file, answers readiness and describes itself, and stops cleanly on SIGTERM", async () => {
    const config = await writeDevGatewayConfig(stack, dir);
    const gw = await startGatewayProcess(config);
    try {
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).to.equal(200);
      const doc = (await (await fetch(`${gw.url}/.well-known/swarm-gateway.json`)).json()) as { gateway: string };
      expect(doc.gateway).to.equal(stack.gateway.toLowerCase());
    } finally {
      await gw.stop("SIGTERM");
    }
    expect(gw.child.exitCode).to.equal(0);
    expect(gw.output()).to.not.match(/BEGIN PRIVATE KEY|0x[0-9a-f]{64}"/);
  });

  it("refuses to start with an invalid config, naming the setting and not the secret", async () => {
    const config = path.join(dir, "bad.json");
    await writeFile(config, JSON.stringify({ listen: { host: "127.0.0.1", port: 8787 } }));
    let failure = "";
    try {
      await startGatewayProcess(config, 30_000);
    } catch (err) {
      failure = (err as Error).message;
    }
    expect(failure).to.contain("CONFIG_INVALID");
  });
});
