/**
 * Client-side validation of offer terms: the market's own checks (same order, same bounds, read from the market)
 * plus the capsule's, so a seller learns what is wrong before paying gas. Each refusal is an `OfferTermsError`
 * (`OFFER_TERMS_INVALID`) naming the field and the custom error the market would revert with.
 */
import { type Address, type Hex, getAddress, isAddress, isAddressEqual, zeroAddress } from "viem";

import { ProtocolError } from "../protocol/errors";
import { expectedAudience, parsePolicyCapsule, verifyPolicyAudience } from "../protocol/policy";
import type { OfferTerms, TermBounds } from "../chain/types";

/** Code of every refusal of offer terms. */
export const OFFER_TERMS_INVALID = "OFFER_TERMS_INVALID";

/** Most verifiers an offer may name (the market's `MAX_VERIFIERS`). */
export const MAX_VERIFIERS = 16;
const UINT96_MAX = (1n << 96n) - 1n;
const UINT32_MAX = 2 ** 32 - 1;

/** Offer terms refused: `field` is the term, `contractError` the market's error for it (if the market checks it). */
export class OfferTermsError extends ProtocolError {
  constructor(
    readonly field: string,
    readonly contractError: string | undefined,
    message: string,
  ) {
    super(OFFER_TERMS_INVALID, contractError === undefined ? message : `${message} (${contractError})`);
  }
}

/** What a seller writes: `token` defaults to native ETH, `disputeBond` to 0, `policyHash` and `allowUnboundRuns` to the capsule's. */
export interface OfferTermsInput {
  readonly gateway: Address;
  readonly token?: Address;
  readonly pricePerStep: bigint;
  readonly maxSteps: number;
  /** The workflow commit: 40 hex digits, with or without 0x. */
  readonly commit: string;
  readonly policyHash?: Hex;
  readonly stepTimeout: number;
  readonly disputeWindow: number;
  readonly arbiterTimeout: number;
  readonly disputeBond?: bigint;
  readonly arbiter: Address;
  readonly allowUnboundRuns?: boolean;
  readonly quorum: number;
  /** Any order: the SDK sorts them ascending, as the market requires. */
  readonly verifiers: readonly Address[];
}

/** What the terms are checked against: the market's bounds and allowlist, the seller, and the capsule bytes. */
export interface OfferTermsContext {
  readonly chainId: bigint;
  readonly market: Address;
  readonly seller: Address;
  readonly bounds: TermBounds;
  readonly tokenAllowed: boolean;
  readonly capsule: Uint8Array;
}

function refuse(field: string, contractError: string | undefined, message: string): never {
  throw new OfferTermsError(field, contractError, message);
}

/** A term that must be an address, checksummed (`OFFER_TERMS_INVALID` naming `field` otherwise). */
export function termAddress(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    refuse(field, undefined, `expected ${field} as a 20-byte address`);
  }
  return getAddress(value);
}

function uint(value: unknown, field: string, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
    refuse(field, undefined, `expected ${field} as an integer in [0, ${max}], got ${String(value)}`);
  }
  return value;
}

function amount(value: unknown, field: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > UINT96_MAX) {
    refuse(field, undefined, `expected ${field} as a uint96 bigint, got ${String(value)}`);
  }
  return value;
}

/** The commit as 0x + 40 lowercase hex. */
export function normalizeCommit(commit: unknown): Hex {
  if (typeof commit !== "string" || !/^(0x)?[0-9a-fA-F]{40}$/.test(commit)) {
    refuse("commit", undefined, "expected commit as 40 hex digits (a git commit SHA-1)");
  }
  return `0x${commit.replace(/^0x/, "").toLowerCase()}`;
}

/** Sorts verifiers ascending (the market's order) and refuses zero or repeated ones. */
export function sortVerifiers(verifiers: readonly Address[]): Address[] {
  const sorted = verifiers
    .map((v, i) => termAddress(v, `verifiers[${i}]`))
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  sorted.forEach((v, i) => {
    if (v === zeroAddress || (i > 0 && BigInt(v) === BigInt(sorted[i - 1]!))) {
      refuse("verifiers", "VerifiersNotAscending", `expected distinct non-zero verifiers, got ${v} twice or zero`);
    }
  });
  return sorted;
}

/** The market's party checks: token allowlisted, gateway set, arbiter not zero, the seller or the gateway. */
export function verifyParties(t: OfferTerms, ctx: OfferTermsContext): void {
  if (!ctx.tokenAllowed) refuse("token", "TokenNotAllowed", `expected an allowlisted token, got ${t.token}`);
  if (t.gateway === zeroAddress) refuse("gateway", "InvalidGateway", "expected a non-zero gateway");
  if (t.arbiter === zeroAddress || isAddressEqual(t.arbiter, ctx.seller) || isAddressEqual(t.arbiter, t.gateway)) {
    refuse(
      "arbiter",
      "InvalidArbiter",
      `expected an arbiter other than zero, the seller and the gateway, got ${t.arbiter}`,
    );
  }
}

/** The market's value checks: a price, a commit and a policy hash, none zero. */
export function verifyNonZero(t: OfferTerms): void {
  if (t.pricePerStep === 0n) refuse("pricePerStep", "ZeroPrice", "expected a non-zero price per step");
  if (BigInt(t.commit) === 0n) refuse("commit", "ZeroCommit", "expected a non-zero commit");
  if (BigInt(t.policyHash) === 0n) refuse("policyHash", "ZeroPolicyHash", "expected a non-zero policy hash");
}

/** The market's deploy-time bounds on maxSteps and the three windows. */
export function verifyBounds(t: OfferTerms, b: TermBounds): void {
  if (t.maxSteps === 0 || t.maxSteps > b.maxSteps) {
    refuse("maxSteps", "MaxStepsOutOfBounds", `expected maxSteps in [1, ${b.maxSteps}], got ${t.maxSteps}`);
  }
  const windows = [
    ["stepTimeout", t.stepTimeout, b.minStepTimeout, b.maxStepTimeout, "StepTimeoutOutOfBounds"],
    ["disputeWindow", t.disputeWindow, b.minDisputeWindow, b.maxDisputeWindow, "DisputeWindowOutOfBounds"],
    ["arbiterTimeout", t.arbiterTimeout, b.minArbiterTimeout, b.maxArbiterTimeout, "ArbiterTimeoutOutOfBounds"],
  ] as const;
  for (const [field, value, min, max, error] of windows) {
    if (value < min || value > max) refuse(field, error, `expected ${field} in [${min}, ${max}] seconds, got ${value}`);
  }
}

/** The market's verifier checks: 1–16, strictly ascending, 1 ≤ quorum ≤ count. */
export function verifyVerifiers(t: OfferTerms): void {
  const count = t.verifiers.length;
  if (count === 0 || count > MAX_VERIFIERS) {
    refuse("verifiers", "VerifierCountOutOfRange", `expected 1 to ${MAX_VERIFIERS} verifiers, got ${count}`);
  }
  if (t.quorum === 0 || t.quorum > count) {
    refuse("quorum", "QuorumOutOfRange", `expected a quorum in [1, ${count}], got ${t.quorum}`);
  }
}

/** The capsule is the offer's: it parses, its hash is the terms', its audience is this market and gateway, its unbound-run flag the terms'. */
export function verifyCapsuleMatchesTerms(t: OfferTerms, ctx: OfferTermsContext): void {
  const { capsule, policyHash } = parsePolicyCapsule(ctx.capsule);
  if (policyHash !== t.policyHash.toLowerCase()) {
    refuse("policyHash", undefined, `expected policyHash = sha256(capsule) = ${policyHash}, got ${t.policyHash}`);
  }
  verifyPolicyAudience(capsule, expectedAudience(ctx.chainId, ctx.market, t.gateway));
  if (capsule.identity.allowUnboundRuns !== t.allowUnboundRuns) {
    refuse(
      "allowUnboundRuns",
      undefined,
      `expected allowUnboundRuns = the capsule's ${capsule.identity.allowUnboundRuns}, got ${t.allowUnboundRuns}`,
    );
  }
}

/**
 * Normalizes and validates a seller's terms against the market and the capsule, in the market's order; returns
 * the terms exactly as `publish` will take them.
 */
export function validateOfferTerms(input: OfferTermsInput, ctx: OfferTermsContext): OfferTerms {
  const parsed = parsePolicyCapsule(ctx.capsule);
  const terms: OfferTerms = {
    gateway: termAddress(input.gateway, "gateway"),
    token: termAddress(input.token ?? zeroAddress, "token"),
    pricePerStep: amount(input.pricePerStep, "pricePerStep"),
    maxSteps: uint(input.maxSteps, "maxSteps", 2 ** 24 - 1),
    commit: normalizeCommit(input.commit),
    policyHash: (input.policyHash ?? parsed.policyHash).toLowerCase() as Hex,
    stepTimeout: uint(input.stepTimeout, "stepTimeout", UINT32_MAX),
    disputeWindow: uint(input.disputeWindow, "disputeWindow", UINT32_MAX),
    arbiterTimeout: uint(input.arbiterTimeout, "arbiterTimeout", UINT32_MAX),
    disputeBond: amount(input.disputeBond ?? 0n, "disputeBond"),
    arbiter: termAddress(input.arbiter, "arbiter"),
    allowUnboundRuns: input.allowUnboundRuns ?? parsed.capsule.identity.allowUnboundRuns,
    quorum: uint(input.quorum, "quorum", 255),
    verifiers: sortVerifiers(input.verifiers),
  };
  if (!/^0x[0-9a-f]{64}$/.test(terms.policyHash)) refuse("policyHash", undefined, "expected policyHash as bytes32 hex");
  verifyParties(terms, ctx);
  verifyNonZero(terms);
  verifyBounds(terms, ctx.bounds);
  verifyVerifiers(terms);
  verifyCapsuleMatchesTerms(terms, ctx);
  return terms;
}
