import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-viem";
import "@nomicfoundation/hardhat-ethers";
import "solidity-coverage";

const SOLC_VERSION = "0.8.30";

// Compile with the solc-js build shipped in the npm `solc` package: the build
// machines cannot download compilers, and this keeps every build reproducible.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version().replace(/\.Emscripten.*$/, ""),
  };
});

/** Networks beyond the in-process one take their endpoint and key from the environment only. */
function envNetwork(urlVar: string, keyVar: string, chainId: number) {
  const url = process.env[urlVar];
  const key = process.env[keyVar];
  return {
    url: url ?? "http://127.0.0.1:0/unset",
    chainId,
    accounts: key ? [key] : [],
  };
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      viaIR: true,
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  networks: {
    hardhat: {},
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    baseSepolia: envNetwork("BASE_SEPOLIA_RPC_URL", "DEPLOYER_PRIVATE_KEY", 84532),
  },
  mocha: {
    timeout: 120_000,
  },
  paths: {
    tests: "./test",
  },
};

export default config;
