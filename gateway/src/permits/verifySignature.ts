import {
  type Address,
  type Hex,
  type PublicClient,
  type TypedDataDomain,
  encodeFunctionData,
  hashTypedData,
  hexToBigInt,
  isAddressEqual,
  pad,
  recoverAddress,
  size,
  slice,
} from "viem";

import { type StepPermit, stepPermitTypes } from "../../../client/src/protocol/eip712";
import { GatewayError } from "../errors";
import { withChain } from "../chain/rpc";

/** secp256k1's order halved: the contract, like OpenZeppelin's ECDSA, rejects any s above it. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const ERC1271_MAGIC_WORD = pad("0x1626ba7e", { dir: "right", size: 32 });
/** The contract gives a wallet exactly this much gas; the off-chain check gives no more. */
const ERC1271_GAS_LIMIT = 50_000n;

const erc1271Abi = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "bytes4" }],
  },
] as const;

/** The EIP-712 digest of a permit in a market's domain. */
export function permitDigest(permit: StepPermit, domain: TypedDataDomain): Hex {
  return hashTypedData({ domain, types: stepPermitTypes, primaryType: "StepPermit", message: permit });
}

/** The signer of a 65-byte, low-s ECDSA signature, or undefined for any other form (as the contract decides). */
export async function recoverStrict(digest: Hex, signature: Hex): Promise<Address | undefined> {
  if (size(signature) !== 65) return undefined;
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = Number(hexToBigInt(slice(signature, 64, 65)));
  if (s > HALF_ORDER || (v !== 27 && v !== 28)) return undefined;
  try {
    return await recoverAddress({ hash: digest, signature });
  } catch {
    return undefined;
  }
}

/**
 * Checks a permit signature as consume will: ECDSA against the signer first; only if that fails and the signer
 * has code, ERC-1271 with the contract's gas cap. Refuses with `PERMIT_SIGNATURE_INVALID` (403).
 */
export async function verifyPermitSignature(
  digest: Hex,
  signature: Hex,
  signer: Address,
  client: Pick<PublicClient, "getCode" | "call">,
): Promise<void> {
  const recovered = await recoverStrict(digest, signature);
  if (recovered !== undefined && isAddressEqual(recovered, signer)) return;
  const code = await withChain("signer code", () => client.getCode({ address: signer }));
  if (code !== undefined && code !== "0x") {
    let answer: Hex | undefined;
    try {
      const result = await client.call({
        to: signer,
        data: encodeFunctionData({ abi: erc1271Abi, functionName: "isValidSignature", args: [digest, signature] }),
        gas: ERC1271_GAS_LIMIT,
      });
      answer = result.data;
    } catch {
      answer = undefined; // a reverting or gas-burning wallet is a refusal, not an outage
    }
    // Like the contract: at least one word back, and that word exactly the magic value, left-aligned.
    if (answer !== undefined && size(answer) >= 32 && slice(answer, 0, 32) === ERC1271_MAGIC_WORD) return;
  }
  throw new GatewayError("PERMIT_SIGNATURE_INVALID", 403, `expected a signature by ${signer.toLowerCase()}`);
}
