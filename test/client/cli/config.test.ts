import { expect } from "chai";

import { type ConfigLayers, parseConfigFile, resolveConfig, settingsFromEnv } from "../../../client/src/cli/config";
import { CliError } from "../../../client/src/cli/errors";

const A = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const B = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
const C = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
const deployment = { chainId: 31337, market: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9" as const, fromBlock: 7n };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CliError);
    return (err as CliError).code;
  }
  throw new Error("expected a CliError");
}

describe("client/cli/config", () => {
  it("takes a flag over the environment over the config file", () => {
    const layers: ConfigLayers = {
      flags: { market: A },
      env: settingsFromEnv({ SWARM_MARKET: B, SWARM_RPC_URL: "http://127.0.0.1:8545" }),
      file: parseConfigFile(
        JSON.stringify({ market: C, rpcUrl: "http://127.0.0.1:1", gatewayUrl: "http://127.0.0.1:2/" }),
        "f",
      ),
    };
    const c = resolveConfig(layers);
    expect(c.market?.toLowerCase()).to.equal(A);
    expect(c.rpcUrl).to.equal("http://127.0.0.1:8545");
    expect(c.gatewayUrl).to.equal("http://127.0.0.1:2");
    expect(resolveConfig({ ...layers, flags: {} }).market?.toLowerCase()).to.equal(B);
    expect(resolveConfig({ ...layers, flags: {}, env: {} }).market?.toLowerCase()).to.equal(C);
  });

  it("takes the file's network section over its top level, and both over deployments/<network>.json", () => {
    const file = parseConfigFile(
      JSON.stringify({
        network: "local",
        rpcUrl: "http://127.0.0.1:1",
        networks: { local: { rpcUrl: "http://127.0.0.1:9" } },
      }),
      "f",
    );
    const c = resolveConfig({ flags: {}, env: {}, file, readDeployment: () => deployment });
    expect(c.rpcUrl).to.equal("http://127.0.0.1:9");
    expect(c.market).to.equal(deployment.market);
    expect(c.chainId).to.equal(31337);
    expect(c.fromBlock).to.equal(7n);
    const overridden = resolveConfig({ flags: { market: A }, env: {}, file, readDeployment: () => deployment });
    expect(overridden.market?.toLowerCase()).to.equal(A);
    expect(overridden.fromBlock).to.equal(0n);
  });

  it("refuses a chain id that contradicts the named network's deployment", () => {
    expect(
      codeOf(() => resolveConfig({ flags: { network: "x", chainId: "1" }, env: {}, readDeployment: () => deployment })),
    ).to.equal("CONFIG_CONFLICT");
  });

  it("refuses a private key in the config file, without echoing it", () => {
    const key = `0x${"ab".repeat(32)}`;
    try {
      parseConfigFile(JSON.stringify({ privateKey: key }), "swarm.config.json");
      expect.fail("expected a refusal");
    } catch (err) {
      expect((err as CliError).code).to.equal("SECRET_IN_CONFIG");
      expect((err as CliError).message).not.to.contain(key);
    }
    expect(codeOf(() => parseConfigFile(JSON.stringify({ networks: { a: { mnemonic: "x" } } }), "f"))).to.equal(
      "SECRET_IN_CONFIG",
    );
  });

  it("refuses unknown fields, malformed JSON, a bad address and a non-http URL", () => {
    expect(codeOf(() => parseConfigFile(JSON.stringify({ rpcURL: "http://x" }), "f"))).to.equal("CONFIG_INVALID");
    expect(codeOf(() => parseConfigFile("{", "f"))).to.equal("CONFIG_INVALID");
    expect(codeOf(() => parseConfigFile(JSON.stringify({ market: "0x12" }), "f"))).to.equal("CONFIG_INVALID");
    expect(codeOf(() => resolveConfig({ flags: { rpcUrl: "file:///etc/passwd" }, env: {} }))).to.equal(
      "CONFIG_INVALID",
    );
    expect(codeOf(() => resolveConfig({ flags: {}, env: settingsFromEnv({ SWARM_CONFIRMATIONS: "0" }) }))).to.equal(
      "CONFIG_INVALID",
    );
  });

  it("defaults confirmations to 1 and the deployments folder to deployments", () => {
    const c = resolveConfig({ flags: {}, env: {} });
    expect(c.confirmations).to.equal(1);
    expect(c.deploymentsDir).to.equal("deployments");
    expect(c.market).to.equal(undefined);
  });
});
