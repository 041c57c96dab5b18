import { expect } from "chai";
import { BaseError, ContractFunctionRevertedError } from "viem";

/** The custom error a failed contract call reverted with, decoded against the contract's ABI. */
export function revertOf(err: unknown): { errorName: string; args: readonly unknown[] } {
  if (!(err instanceof BaseError)) throw err;
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) {
    throw new Error(`expected a decoded custom error, got: ${err.shortMessage}`, { cause: err });
  }
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
}

/** Asserts that `call` reverts with exactly `errorName(args...)`. */
export async function expectRevert(call: Promise<unknown>, errorName: string, args?: readonly unknown[]) {
  let failure: unknown;
  try {
    await call;
  } catch (e) {
    failure = e;
  }
  if (failure === undefined) expect.fail(`expected revert ${errorName}, but the call succeeded`);
  const got = revertOf(failure);
  expect(got.errorName, `reverted with ${got.errorName}(${String(got.args)})`).to.equal(errorName);
  if (args !== undefined) expect(got.args).to.deep.equal(args);
}
