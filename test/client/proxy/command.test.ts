import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { ed25519PublicJwk } from "../../../client/src/protocol/keys";
import {
  CHAIN_ID,
  GATEWAY,
  MARKET,
  type SeenRequest,
  codeOf,
  gatewayKey,
  mintNetCap,
  rawExchange,
  startUpstream,
  testRoutes,
} from "./support";

const BIN = path.join(__dirname, "..", "..", "..", "client", "bin", "swarm.js");

/** Spawns `swarm … proxy` as a user would and waits for its one JSON result line on stdout. */
function spawnProxy(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`swarm proxy exited with ${code}: ${err}`)));
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) {
        child.removeAllListeners("exit");
        resolve({ child, url: (JSON.parse(out) as { url: string }).url, stderr: () => err });
      }
    });
  });
}

describe("swarm proxy (the command, spawned)", function () {
  this.timeout(60_000);
  let upstream: { server: Server; port: number; seen: SeenRequest[] };
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    upstream = await startUpstream();
    dir = await mkdtemp(path.join(tmpdir(), "swarm-proxy-"));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves with a key file, forwards an allowed request, refuses another, and stops on SIGTERM", async () => {
    const keyFile = path.join(dir, "netcap.jwk");
    await writeFile(keyFile, JSON.stringify(ed25519PublicJwk(gatewayKey)));
    const { child, url, stderr } = await spawnProxy([
      "--json",
      "--chain-id",
      CHAIN_ID.toString(),
      "--market",
      MARKET,
      "proxy",
      "--gateway-address",
      GATEWAY,
      "--netcap-key-file",
      keyFile,
      "--resolve",
      "api.test=127.0.0.1",
      "--allow-private-addresses",
      "--leeway",
      "60",
    ]);
    children.push(child);
    const port = Number(new URL(url).port);
    expect(new URL(url).hostname).to.equal("127.0.0.1");
    // A netCap issued now: the spawned CLI uses the real clock.
    const now = new Date();
    const notAfter = BigInt(Math.floor(now.getTime() / 1000) + 600);
    const netCap = await mintNetCap(testRoutes(upstream.port, 1), { notAfter }, () => now, gatewayKey);
    const host = `api.test:${upstream.port}`;
    const request = (p: string): string =>
      `GET http://${host}${p} HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: Bearer ${netCap}\r\nConnection: close\r\n\r\n`;
    const ok = await rawExchange(port, request("/v1/items"));
    expect(ok.status).to.equal(200);
    const denied = await rawExchange(port, request("/v1/admin"));
    expect(codeOf(denied)).to.equal("PROXY_ROUTE_DENIED");
    expect(upstream.seen).to.have.length(1);
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
    expect(stderr()).to.contain("PROXY_ROUTE_DENIED");
    expect(stderr()).to.not.contain(netCap.split(".")[2]);
  });

  it("refuses to start without a gateway address (exit 3)", async () => {
    const child = spawn(process.execPath, [BIN, "--chain-id", "31337", "--market", MARKET, "proxy"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).to.equal(3);
    expect(err).to.contain("error CONFIG_MISSING");
  });
});
