import type { Address, Hex, TypedDataDomain } from "viem";

/** EIP-712 domain name and version of the SwarmMarket contract. */
export const MARKET_DOMAIN_NAME = "SwarmMarket";
export const MARKET_DOMAIN_VERSION = "1";

/** The market's EIP-712 domain on a given chain. */
export function marketDomain(chainId: number | bigint, market: Address): TypedDataDomain {
  return {
    name: MARKET_DOMAIN_NAME,
    version: MARKET_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: market,
  };
}

/** StepPermit: the buyer's authorization for one step, bound to one runner key. */
export const stepPermitTypes = {
  StepPermit: [
    { name: "entitlementId", type: "uint256" },
    { name: "step", type: "uint32" },
    { name: "fromStep", type: "uint32" },
    { name: "runId", type: "uint64" },
    { name: "runAttempt", type: "uint32" },
    { name: "workerKey", type: "bytes32" },
    { name: "commit", type: "bytes20" },
    { name: "policyHash", type: "bytes32" },
    { name: "gateway", type: "address" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** StepAttestation: a verifier's statement that a step's evidence verified as valid. */
export const stepAttestationTypes = {
  StepAttestation: [
    { name: "entitlementId", type: "uint256" },
    { name: "step", type: "uint32" },
    { name: "permitDigest", type: "bytes32" },
    { name: "certificateHash", type: "bytes32" },
    { name: "prevCertificateHash", type: "bytes32" },
    { name: "commit", type: "bytes20" },
    { name: "policyHash", type: "bytes32" },
  ],
} as const;

/** A StepPermit's fields, as signed. */
export interface StepPermit {
  entitlementId: bigint;
  step: number;
  fromStep: number;
  runId: bigint;
  runAttempt: number;
  workerKey: Hex;
  commit: Hex;
  policyHash: Hex;
  gateway: Address;
  deadline: bigint;
}

/** The JSON form of a permit on the wire and on disk: integers as decimal strings, hex lowercase. */
export function stepPermitToJson(p: StepPermit) {
  return {
    entitlementId: p.entitlementId.toString(),
    step: p.step.toString(),
    fromStep: p.fromStep.toString(),
    runId: p.runId.toString(),
    runAttempt: p.runAttempt.toString(),
    workerKey: p.workerKey.toLowerCase(),
    commit: p.commit.toLowerCase(),
    policyHash: p.policyHash.toLowerCase(),
    gateway: p.gateway.toLowerCase(),
    deadline: p.deadline.toString(),
  };
}

/** A StepAttestation's fields, as signed. */
export interface StepAttestation {
  entitlementId: bigint;
  step: number;
  permitDigest: Hex;
  certificateHash: Hex;
  prevCertificateHash: Hex;
  commit: Hex;
  policyHash: Hex;
}

/** StateKeyRequest: the buyer's request for the state keys of steps fromStep..toStep, to one recipient key. */
export const stateKeyRequestTypes = {
  StateKeyRequest: [
    { name: "entitlementId", type: "uint256" },
    { name: "fromStep", type: "uint32" },
    { name: "toStep", type: "uint32" },
    { name: "recipientKey", type: "bytes32" },
    { name: "gateway", type: "address" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/** A StateKeyRequest's fields, as signed. */
export interface StateKeyRequest {
  entitlementId: bigint;
  fromStep: number;
  toStep: number;
  /** RFC 7638 thumbprint of the recipient's X25519 public JWK. */
  recipientKey: Hex;
  gateway: Address;
  deadline: bigint;
}

/** GatewayKeys: the gateway address vouches for its Ed25519 netCap and receipt keys (by RFC 7638 thumbprint). */
export const gatewayKeysTypes = {
  GatewayKeys: [
    { name: "gateway", type: "address" },
    { name: "netCapKid", type: "bytes32" },
    { name: "receiptKid", type: "bytes32" },
    { name: "notBefore", type: "uint64" },
  ],
} as const;

/** A GatewayKeys statement's fields, as signed. */
export interface GatewayKeys {
  gateway: Address;
  netCapKid: Hex;
  receiptKid: Hex;
  notBefore: bigint;
}
