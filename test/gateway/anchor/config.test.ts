import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { mlDsaKeyFromSeed } from "../../../client/src/protocol/hybrid";
import { ConfigError, loadConfig } from "../../../gateway/src/config";

const ANCHOR = "0x00000000000000000000000000000000000000a1";

describe("gateway config: anchoring and the hybrid receipt key", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "swarm-config-"));
    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    await writeFile(path.join(dir, "ed.pem"), pem);
    await writeFile(path.join(dir, "gateway.key"), `0x${"11".repeat(32)}`);
    await writeFile(path.join(dir, "secret.hex"), `0x${"22".repeat(32)}`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Writes a config with `extra` merged in and loads it with `env`. */
  async function load(extra: Record<string, unknown>, env: Record<string, string> = {}) {
    const config = {
      listen: { host: "127.0.0.1", port: "0" },
      chain: {
        rpcUrl: "http://127.0.0.1:8545",
        chainId: "31337",
        market: "0x00000000000000000000000000000000000000b2",
        deployBlock: "1",
        confirmations: "1",
      },
      oidc: { issuer: "http://127.0.0.1:1", jwksUrl: "http://127.0.0.1:1/jwks", leewaySeconds: "60" },
      ledgerPath: "receipts.ndjson",
      policyFiles: [],
      keys: { gateway: { file: "gateway.key" }, receipt: { file: "ed.pem" }, netCap: { file: "ed.pem" } },
      secrets: [{ kv: "1", startBlock: "0", source: { file: "secret.hex" } }],
      http: {
        bodyLimitBytes: "65536",
        maxHeaderBytes: "16384",
        requestTimeoutMs: "30000",
        handlerTimeoutMs: "30000",
        rateLimitPerSecond: "10",
        rateLimitBurst: "10",
        subjectRateLimitPerSecond: "10",
        subjectRateLimitBurst: "10",
      },
      ...extra,
    };
    const file = path.join(dir, "gateway.json");
    await writeFile(file, JSON.stringify(config));
    return loadConfig({ SWARM_GATEWAY_CONFIG: file, ...env });
  }

  function configCode(p: Promise<unknown>): Promise<string> {
    return p.then(
      () => "none",
      (e: unknown) => (e instanceof ConfigError ? e.code : `other: ${String(e)}`),
    );
  }

  it("leaves anchoring off when the section is absent or disabled", async () => {
    expect((await load({})).anchor).to.equal(undefined);
    const off = { enabled: false, contract: ANCHOR, deployBlock: "0", intervalSeconds: "60" };
    expect((await load({ anchor: off })).anchor).to.equal(undefined);
  });

  it("loads anchoring with its contract, interval and the chain's RPC by default", async () => {
    const loaded = await load({ anchor: { enabled: true, contract: ANCHOR, deployBlock: "5", intervalSeconds: "60" } });
    expect(loaded.anchor).to.deep.equal({
      contract: "0x00000000000000000000000000000000000000A1",
      deployBlock: 5n,
      intervalMs: 60_000,
      rpcUrl: "http://127.0.0.1:8545",
    });
  });

  it("rejects an anchor section with a bad address, a zero interval or an unknown key", async () => {
    const base = { enabled: true, contract: ANCHOR, deployBlock: "0", intervalSeconds: "60" };
    for (const anchor of [
      { ...base, contract: "0x1234" },
      { ...base, intervalSeconds: "0" },
      { ...base, extra: true },
    ]) {
      expect(await configCode(load({ anchor }))).to.equal("CONFIG_INVALID");
    }
  });

  it("loads an ML-DSA receipt seed from the environment (hybrid receipts), off by default", async () => {
    expect((await load({})).receiptMlDsaKey).to.equal(undefined);
    const keys = {
      gateway: { file: "gateway.key" },
      receipt: { file: "ed.pem" },
      netCap: { file: "ed.pem" },
      receiptMlDsa: { env: "SWARM_RECEIPT_MLDSA_SEED" },
    };
    const loaded = await load({ keys }, { SWARM_RECEIPT_MLDSA_SEED: `0x${"07".repeat(32)}` });
    const expected = mlDsaKeyFromSeed(new Uint8Array(32).fill(7));
    expect(Buffer.from(loaded.receiptMlDsaKey!.publicKey).equals(Buffer.from(expected.publicKey))).to.equal(true);
    expect(
      await configCode(load({ keys }, { SWARM_RECEIPT_MLDSA_SEED: "not a seed" })),
      "a malformed seed must not start the gateway",
    ).to.equal("KEY_INVALID");
    expect(await configCode(load({ keys }))).to.equal("SECRET_MISSING");
  });
});
