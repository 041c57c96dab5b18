import { expect } from "chai";
import hre from "hardhat";
import { type Abi, BaseError, ContractFunctionRevertedError, type Hex, decodeErrorResult, isHex } from "viem";

/** The market's ABI: it holds every custom error the market and the OpenZeppelin code it uses can raise. */
function marketAbi(): Abi {
  return hre.artifacts.readArtifactSync("SwarmMarket").abi as Abi;
}

/** The first hex `data` field down an error's cause chain: where Hardhat puts a mined transaction's revert data. */
function revertData(err: unknown): Hex | undefined {
  for (let e: unknown = err; e !== null && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return data;
  }
  return undefined;
}

/**
 * The custom error a failed contract call or transaction reverted with, decoded against the market's ABI plus
 * `extraAbi` (for errors a token or wallet raises through the market). Works for simulated calls (viem decodes those itself) and for mined transactions, whose revert
 * data Hardhat reports only on the error's cause.
 */
export function revertOf(err: unknown, extraAbi: Abi = []): { errorName: string; args: readonly unknown[] } {
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
  }
  const data = revertData(err);
  if (data === undefined) throw new Error(`expected a revert with a custom error, got: ${String(err)}`, { cause: err });
  const decoded = decodeErrorResult({ abi: [...marketAbi(), ...extraAbi], data });
  return { errorName: decoded.errorName, args: decoded.args ?? [] };
}

/** Asserts that `call` reverts with exactly `errorName(args...)`, decoded against the market's ABI plus `extraAbi`. */
export async function expectRevert(
  call: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
  extraAbi?: Abi,
): Promise<void> {
  let failure: unknown;
  try {
    await call;
  } catch (e) {
    failure = e;
  }
  if (failure === undefined) expect.fail(`expected revert ${errorName}, but the call succeeded`);
  const got = revertOf(failure, extraAbi);
  expect(got.errorName, `reverted with ${got.errorName}(${String(got.args)})`).to.equal(errorName);
  if (args !== undefined) expect(got.args).to.deep.equal(args);
}
