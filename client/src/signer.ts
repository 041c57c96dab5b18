/**
 * One signer type for every EIP-712 signature the SDK asks for (step permits, state-key requests), with adapters
 * for a viem local account, a viem wallet client and an ethers v6 `Signer`. Every adapter checks what it got back:
 * 65 bytes, v 27/28, low s (what the market accepts), recovering to the signer's own address, so a wallet that
 * signs with another key, or a malformed signature, fails here rather than at the gateway or on-chain.
 */
import {
  type Address,
  type Hex,
  type LocalAccount,
  type TypedDataDefinition,
  type TypedDataDomain,
  type WalletClient,
  getAddress,
  isAddress,
  recoverTypedDataAddress,
} from "viem";

import { ProtocolError } from "./protocol/errors";

/** Stable codes of signer failures. */
export const SignerErrorCode = {
  ACCOUNT_MISSING: "SIGNER_ACCOUNT_MISSING",
  ADDRESS_INVALID: "SIGNER_ADDRESS_INVALID",
  SIGNATURE_INVALID: "SIGNER_SIGNATURE_INVALID",
  ADDRESS_MISMATCH: "SIGNER_ADDRESS_MISMATCH",
  FAILED: "SIGNER_FAILED",
} as const;

/** One field of an EIP-712 struct type. */
export interface TypedDataField {
  readonly name: string;
  readonly type: string;
}

/** What is signed, in viem's shape: `types` without `EIP712Domain` (adapters drop it if present). */
export interface TypedDataRequest {
  readonly domain: TypedDataDomain;
  readonly types: Readonly<Record<string, readonly TypedDataField[]>>;
  readonly primaryType: string;
  readonly message: Readonly<Record<string, unknown>>;
}

/** Signs EIP-712 typed data as `address`; returns a 65-byte, low-s, 0x-lowercase signature (v = 27 or 28). */
export interface TypedDataSigner {
  readonly address: Address;
  signTypedData(request: TypedDataRequest): Promise<Hex>;
}

/** ethers v6 `TypedDataDomain`, as far as the SDK fills it. */
export interface EthersTypedDataDomain {
  name?: string;
  version?: string;
  chainId?: bigint;
  verifyingContract?: string;
  salt?: string;
}

/** The part of an ethers v6 `Signer` the adapter uses (a `Wallet`, a `JsonRpcSigner`, Hardhat's signer). */
export interface EthersTypedDataSignerLike {
  getAddress(): Promise<string>;
  signTypedData(
    domain: EthersTypedDataDomain,
    types: Record<string, { name: string; type: string }[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** secp256k1 group order / 2: the market (OpenZeppelin ECDSA) refuses signatures with a larger s. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const SIGNATURE_65 = /^0x[0-9a-fA-F]{130}$/;

function fail(code: string, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/** Normalizes a signature to the market's form (lowercase; v 0/1 → 27/28) and refuses one it would refuse. */
export function normalizeSignature(signature: string): Hex {
  if (!SIGNATURE_65.test(signature)) {
    fail(SignerErrorCode.SIGNATURE_INVALID, `expected a 65-byte hex signature, got ${signature.length} characters`);
  }
  const lower = signature.toLowerCase();
  const s = BigInt(`0x${lower.slice(66, 130)}`);
  let v = Number.parseInt(lower.slice(130), 16);
  if (v === 0 || v === 1) v += 27;
  if (v !== 27 && v !== 28) fail(SignerErrorCode.SIGNATURE_INVALID, `expected v of 27 or 28, got ${v}`);
  if (s === 0n || s > HALF_ORDER) fail(SignerErrorCode.SIGNATURE_INVALID, "expected a low-s signature (EIP-2)");
  return `0x${lower.slice(2, 130)}${v.toString(16)}`;
}

/** Refuses a signature that does not recover to `address` over `request`. */
export async function verifySignedBy(request: TypedDataRequest, signature: Hex, address: Address): Promise<void> {
  let recovered: Address;
  try {
    recovered = await recoverTypedDataAddress({ ...withoutDomainType(request), signature } as TypedDataDefinition & {
      signature: Hex;
    });
  } catch (cause) {
    fail(SignerErrorCode.SIGNATURE_INVALID, "the signature does not recover to any address", cause);
  }
  if (recovered !== address) {
    fail(SignerErrorCode.ADDRESS_MISMATCH, `expected a signature by ${address}, got one by ${recovered}`);
  }
}

/** The request with any `EIP712Domain` entry dropped from `types` (viem derives it; ethers refuses it). */
function withoutDomainType(request: TypedDataRequest): TypedDataRequest {
  const types = Object.fromEntries(Object.entries(request.types).filter(([name]) => name !== "EIP712Domain"));
  return { ...request, types };
}

function checkedAddress(address: string): Address {
  if (!isAddress(address, { strict: false })) fail(SignerErrorCode.ADDRESS_INVALID, "expected a 20-byte address");
  return getAddress(address);
}

/** Wraps a raw signing function with the adapter's checks. */
function checkedSigner(address: Address, sign: (request: TypedDataRequest) => Promise<string>): TypedDataSigner {
  return {
    address,
    async signTypedData(request) {
      const clean = withoutDomainType(request);
      let raw: string;
      try {
        raw = await sign(clean);
      } catch (cause) {
        fail(SignerErrorCode.FAILED, `the wallet did not sign: ${shortMessage(cause)}`, cause);
      }
      const signature = normalizeSignature(raw);
      await verifySignedBy(clean, signature, address);
      return signature;
    },
  };
}

function shortMessage(err: unknown): string {
  const short = (err as { shortMessage?: unknown }).shortMessage;
  if (typeof short === "string") return short;
  return err instanceof Error ? err.message.split("\n")[0]!.slice(0, 200) : "unknown error";
}

/** A signer over a viem local account (`privateKeyToAccount`, `mnemonicToAccount`, ...). */
export function fromViemAccount(account: LocalAccount): TypedDataSigner {
  return checkedSigner(checkedAddress(account.address), (request) =>
    account.signTypedData(request as unknown as TypedDataDefinition),
  );
}

/** A signer over a viem wallet client with an account (local or JSON-RPC: `eth_signTypedData_v4`). */
export function fromViemWalletClient(wallet: WalletClient): TypedDataSigner {
  const account = wallet.account;
  if (account === undefined) fail(SignerErrorCode.ACCOUNT_MISSING, "expected a wallet client with an account");
  return checkedSigner(checkedAddress(account.address), (request) =>
    wallet.signTypedData({ ...(request as unknown as TypedDataDefinition), account }),
  );
}

/** The request in ethers v6's shape: the domain with a bigint chain id, plain field arrays, the message as is. */
export function toEthersTypedData(request: TypedDataRequest): {
  domain: EthersTypedDataDomain;
  types: Record<string, { name: string; type: string }[]>;
  value: Record<string, unknown>;
} {
  const d = request.domain;
  const domain: EthersTypedDataDomain = {
    ...(d.name === undefined ? {} : { name: d.name }),
    ...(d.version === undefined ? {} : { version: d.version }),
    ...(d.chainId === undefined ? {} : { chainId: BigInt(d.chainId) }),
    ...(d.verifyingContract === undefined ? {} : { verifyingContract: d.verifyingContract }),
    ...(d.salt === undefined ? {} : { salt: d.salt }),
  };
  const types = Object.fromEntries(
    Object.entries(withoutDomainType(request).types).map(([name, fields]) => [
      name,
      fields.map((f) => ({ name: f.name, type: f.type })),
    ]),
  );
  return { domain, types, value: { ...request.message } };
}

/** A signer over an ethers v6 `Signer` (async: ethers reports its address asynchronously). */
export async function fromEthersSigner(signer: EthersTypedDataSignerLike): Promise<TypedDataSigner> {
  let address: string;
  try {
    address = await signer.getAddress();
  } catch (cause) {
    fail(SignerErrorCode.FAILED, `the ethers signer has no address: ${shortMessage(cause)}`, cause);
  }
  return checkedSigner(checkedAddress(address), (request) => {
    const { domain, types, value } = toEthersTypedData(request);
    return signer.signTypedData(domain, types, value);
  });
}
