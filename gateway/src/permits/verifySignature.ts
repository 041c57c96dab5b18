import {
  type Address,
  type Hex,
  type PublicClient,
  type TypedDataDomain,
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  domainSeparator,
  hexToBigInt,
  isAddressEqual,
  keccak256,
  pad,
  recoverAddress,
  recoverPublicKey,
  size,
  slice,
  stringToHex,
} from "viem";
import { publicKeyToAddress } from "viem/accounts";

import { type StepPermit, stepPermitTypes } from "../../../client/src/protocol/eip712";
import { GatewayError } from "../errors";
import { withChain } from "../chain/rpc";
import { SignerKeys } from "./signerKeys";

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

const permitFields = stepPermitTypes.StepPermit;
/** keccak256 of EIP-712 `encodeType(StepPermit)`: a struct of atomic members, so its own members only. */
const STEP_PERMIT_TYPEHASH = keccak256(
  stringToHex(`StepPermit(${permitFields.map((f) => `${f.type} ${f.name}`).join(",")})`),
);
/** Domain separators by domain object: the gateway hashes every permit in the one domain it was wired with. */
const separators = new WeakMap<TypedDataDomain, Hex>();

/**
 * The EIP-712 digest of a permit in a market's domain: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(permit)).
 * Same bytes as viem's `hashTypedData` (a test holds them equal, and the contract's `hashStepPermit`), but the
 * domain separator and type hash are computed once instead of per call: every request hashes its permit.
 */
export function permitDigest(permit: StepPermit, domain: TypedDataDomain): Hex {
  let separator = separators.get(domain);
  if (separator === undefined) {
    separator = domainSeparator({ domain });
    separators.set(domain, separator);
  }
  // Every member is atomic: EIP-712 encodes each as its 32-byte ABI word, exactly as encodeAbiParameters does.
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, ...permitFields],
    [
      STEP_PERMIT_TYPEHASH,
      permit.entitlementId,
      permit.step,
      permit.fromStep,
      permit.runId,
      permit.runAttempt,
      permit.workerKey,
      permit.commit,
      permit.policyHash,
      permit.gateway,
      permit.deadline,
    ],
  );
  return keccak256(concat(["0x1901", separator, keccak256(encoded)]));
}

/** The (r, s, v) of a 65-byte, low-s signature with v 27 or 28, or undefined for any other form (as the contract). */
function strictParts(signature: Hex): { r: bigint; s: bigint; v: 27 | 28 } | undefined {
  if (size(signature) !== 65) return undefined;
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = Number(hexToBigInt(slice(signature, 64, 65)));
  if (s > HALF_ORDER || (v !== 27 && v !== 28)) return undefined;
  return { r: hexToBigInt(slice(signature, 0, 32)), s, v };
}

/** The signer of a 65-byte, low-s ECDSA signature, or undefined for any other form (as the contract decides). */
export async function recoverStrict(digest: Hex, signature: Hex): Promise<Address | undefined> {
  if (strictParts(signature) === undefined) return undefined;
  try {
    return await recoverAddress({ hash: digest, signature });
  } catch {
    return undefined;
  }
}

/** Signer keys proven so far in this process (a memo of recovery results, bounded). */
const provenSigners = new SignerKeys();

/**
 * Whether `signature` is `signer`'s strict ECDSA signature over `digest`: exactly `recoverStrict(…) == signer`,
 * decided from the signer's key when an earlier recovery proved it (see SignerKeys), else by recovery, whose
 * key is then kept when it is the signer's.
 */
export async function signedBy(digest: Hex, signature: Hex, signer: Address, keys = provenSigners): Promise<boolean> {
  const parts = strictParts(signature);
  if (parts === undefined) return false;
  const known = keys.signs(signer, digest, parts.r, parts.s, parts.v);
  if (known !== undefined) return known;
  let publicKey: Hex;
  try {
    publicKey = await recoverPublicKey({ hash: digest, signature });
  } catch {
    return false;
  }
  if (!isAddressEqual(publicKeyToAddress(publicKey), signer)) return false;
  keys.remember(signer, publicKey);
  return true;
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
  keys?: SignerKeys,
): Promise<void> {
  if (await signedBy(digest, signature, signer, keys)) return;
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
