import { type Abi, type Address, type Hex, type PublicClient, keccak256 } from "viem";

import { abiDigest } from "./deployment";
import { type DeployedContract, checkFailed } from "./verifyDeploymentRecord";

/** What the local build says a contract is: its ABI, runtime bytecode, and where the compiler left immutables. */
export interface ContractBuild {
  readonly name: string;
  readonly abi: Abi;
  /** Runtime bytecode as compiled (immutables zeroed). */
  readonly deployedBytecode: Hex;
  /** solc's `evm.deployedBytecode.immutableReferences`: byte ranges filled in at construction. */
  readonly immutableReferences: Readonly<Record<string, readonly { start: number; length: number }[]>>;
}

/** Runtime bytecode with every immutable range zeroed, so a deployed copy compares byte for byte with the build. */
export function maskImmutables(code: Hex, refs: ContractBuild["immutableReferences"]): Hex {
  const bytes = Buffer.from(code.slice(2), "hex");
  for (const ranges of Object.values(refs)) {
    for (const { start, length } of ranges) {
      if (start + length > bytes.length) checkFailed("CODE_MISMATCH", "an immutable range lies past the code's end");
      bytes.fill(0, start, start + length);
    }
  }
  return `0x${bytes.toString("hex")}`;
}

/** The chain answering on the RPC URL is the record's (CHAIN_MISMATCH). */
export async function verifyChainId(client: PublicClient, expected: bigint): Promise<void> {
  const got = BigInt(await client.getChainId());
  if (got !== expected) checkFailed("CHAIN_MISMATCH", `expected chain ${expected}, the RPC URL serves chain ${got}`);
}

/**
 * The code at the address is the local build's, immutables aside (CODE_MISSING, CODE_MISMATCH). Returns the
 * keccak256 of the on-chain code and of the masked build, for the report.
 */
export async function verifyRuntimeCode(
  client: PublicClient,
  contract: DeployedContract,
  build: ContractBuild,
): Promise<{ codeHash: Hex; maskedHash: Hex }> {
  const code = await client.getCode({ address: contract.address });
  if (code === undefined || code === "0x") checkFailed("CODE_MISSING", `no code at ${build.name} ${contract.address}`);
  if (code.length !== build.deployedBytecode.length) {
    checkFailed(
      "CODE_MISMATCH",
      `expected ${build.name}'s runtime code of ${(build.deployedBytecode.length - 2) / 2} bytes, got ${(code.length - 2) / 2}`,
    );
  }
  const masked = maskImmutables(code, build.immutableReferences);
  const expected = maskImmutables(build.deployedBytecode, build.immutableReferences);
  if (masked.toLowerCase() !== expected.toLowerCase()) {
    checkFailed(
      "CODE_MISMATCH",
      `the code at ${contract.address} is not ${build.name} as built here (keccak ${keccak256(masked)} vs ${keccak256(expected)})`,
    );
  }
  return { codeHash: keccak256(code), maskedHash: keccak256(masked) };
}

/**
 * The recorded transaction created this contract, at the recorded block, successfully (DEPLOY_TX_MISMATCH).
 * Returns the gas it used, for the report.
 */
export async function verifyDeploymentTx(
  client: PublicClient,
  contract: DeployedContract,
  name: string,
): Promise<bigint> {
  const receipt = await client.getTransactionReceipt({ hash: contract.transactionHash }).catch(() => undefined);
  if (receipt === undefined) checkFailed("DEPLOY_TX_MISMATCH", `no receipt for ${name}'s deployment transaction`);
  const created = receipt.contractAddress?.toLowerCase() as Address | undefined;
  if (receipt.status !== "success" || created !== contract.address.toLowerCase()) {
    checkFailed(
      "DEPLOY_TX_MISMATCH",
      `expected ${contract.transactionHash} to create ${name} at ${contract.address}, got ${created ?? "none"}`,
    );
  }
  if (receipt.blockNumber !== contract.deployBlock) {
    checkFailed(
      "DEPLOY_TX_MISMATCH",
      `expected ${name} deployed in block ${contract.deployBlock}, got ${receipt.blockNumber}`,
    );
  }
  return receipt.gasUsed;
}

/** The record's ABI digest is the local build's: clients built from this tree speak this contract (ABI_MISMATCH). */
export function verifyAbiDigest(contract: DeployedContract, build: ContractBuild): void {
  const local = abiDigest(build.abi);
  if (local !== contract.abiDigest) {
    checkFailed(
      "ABI_MISMATCH",
      `expected ${build.name}'s ABI digest ${local} (local build), the record says ${contract.abiDigest}`,
    );
  }
}
