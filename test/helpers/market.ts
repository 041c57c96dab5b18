import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  type Account,
  type Address,
  type Chain,
  type Transport,
  type Hex,
  type WalletClient,
  getAddress,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";

import {
  type StepAttestation,
  type StepPermit,
  marketDomain,
  stepAttestationTypes,
  stepPermitTypes,
} from "../../client/src/protocol/eip712";

/** A wallet client with its account: what hardhat-viem hands out for each configured account. */
export type Wallet = WalletClient<Transport, Chain, Account>;

export const HOUR = 3600n;
export const DAY = 24n * HOUR;

/** The deploy-time bounds from the design brief. */
export const DEFAULT_BOUNDS = {
  minStepTimeout: 600,
  maxStepTimeout: 30 * 24 * 3600,
  minDisputeWindow: 3600,
  maxDisputeWindow: 30 * 24 * 3600,
  minArbiterTimeout: 3600,
  maxArbiterTimeout: 30 * 24 * 3600,
  maxSteps: 2 ** 24 - 1,
} as const;

export const COMMIT: Hex = "0x1111111111111111111111111111111111111111";
export const POLICY_HASH: Hex = keccak256(toHex("policy"));
export const PRICE = parseEther("0.01");
export const BOND = parseEther("0.002");
export const STEP_TIMEOUT = 3600;
export const DISPUTE_WINDOW = 2 * 3600;
export const ARBITER_TIMEOUT = 3 * 3600;

/** A deterministic non-zero worker key thumbprint. */
export function workerKey(n = 1): Hex {
  return keccak256(toHex(`worker-${n}`));
}

/** A deterministic certificate hash. */
export function certificateHash(n: number | string): Hex {
  return keccak256(toHex(`certificate-${n}`));
}

/** Deploys the market with one allowlisted ERC-20 and names the accounts by role. */
export async function deployMarket() {
  const wallets = await hre.viem.getWalletClients();
  const [owner, seller, buyer, gateway, arbiter, keeper, other, delegate] = wallets as unknown as [
    Wallet,
    Wallet,
    Wallet,
    Wallet,
    Wallet,
    Wallet,
    Wallet,
    Wallet,
  ];
  // Verifiers sorted by address, as publish requires.
  const verifierWallets = (wallets as unknown as Wallet[])
    .slice(8, 13)
    .sort((a, b) => (BigInt(a.account!.address) < BigInt(b.account!.address) ? -1 : 1));
  const token = await hre.viem.deployContract("MockERC20", ["Test USD", "TUSD"]);
  const market = await hre.viem.deployContract("SwarmMarket", [
    owner.account!.address,
    DEFAULT_BOUNDS,
    [token.address],
  ]);
  const publicClient = await hre.viem.getPublicClient();
  const chainId = await publicClient.getChainId();
  return {
    market,
    token,
    publicClient,
    chainId,
    owner,
    seller,
    buyer,
    gateway,
    arbiter,
    keeper,
    other,
    delegate,
    verifierWallets,
  };
}

export type MarketFixture = Awaited<ReturnType<typeof deployMarket>>;

/** The market fixture, snapshotted so each test starts from the same chain. */
export function marketFixture(): Promise<MarketFixture> {
  return loadFixture(deployMarket);
}

/** Offer terms for `fx`, with overrides. */
export function offerTerms(fx: MarketFixture, overrides: Partial<OfferTermsInput> = {}): OfferTermsInput {
  return {
    gateway: fx.gateway.account!.address,
    token: zeroAddress,
    pricePerStep: PRICE,
    maxSteps: 100,
    commit: COMMIT,
    policyHash: POLICY_HASH,
    stepTimeout: STEP_TIMEOUT,
    disputeWindow: DISPUTE_WINDOW,
    arbiterTimeout: ARBITER_TIMEOUT,
    disputeBond: BOND,
    arbiter: fx.arbiter.account!.address,
    allowUnboundRuns: false,
    quorum: 1,
    verifiers: [fx.verifierWallets[0]!.account!.address],
    ...overrides,
  };
}

export interface OfferTermsInput {
  gateway: Address;
  token: Address;
  pricePerStep: bigint;
  maxSteps: number;
  commit: Hex;
  policyHash: Hex;
  stepTimeout: number;
  disputeWindow: number;
  arbiterTimeout: number;
  disputeBond: bigint;
  arbiter: Address;
  allowUnboundRuns: boolean;
  quorum: number;
  verifiers: Address[];
}

/** Publishes an offer as the seller and returns its id. */
export async function publishOffer(fx: MarketFixture, overrides: Partial<OfferTermsInput> = {}): Promise<bigint> {
  await fx.market.write.publish([offerTerms(fx, overrides)], { account: fx.seller.account! });
  return fx.market.read.offerCount();
}

/** Buys `steps` steps of an ETH offer as the buyer and returns the entitlement id. */
export async function purchaseEth(
  fx: MarketFixture,
  offerId: bigint,
  steps: number,
  opts: { buyer?: WalletClient; signer?: Address; price?: bigint } = {},
): Promise<bigint> {
  const buyer = opts.buyer ?? fx.buyer;
  const price = opts.price ?? PRICE;
  await fx.market.write.purchase([offerId, steps, opts.signer ?? zeroAddress], {
    account: buyer.account!,
    value: price * BigInt(steps),
  });
  return fx.market.read.entitlementCount();
}

/** A permit for the next step of an entitlement under the fixture's default offer terms. */
export async function nextPermit(
  fx: MarketFixture,
  entitlementId: bigint,
  overrides: Partial<StepPermit> = {},
): Promise<StepPermit> {
  const e = await fx.market.read.getEntitlement([entitlementId]);
  const now = BigInt(await time.latest());
  return {
    entitlementId,
    step: e.consumed + 1,
    fromStep: e.consumed,
    runId: 1000n,
    runAttempt: 1,
    workerKey: workerKey(),
    commit: COMMIT,
    policyHash: POLICY_HASH,
    gateway: fx.gateway.account!.address,
    deadline: now + HOUR,
    ...overrides,
  };
}

/** Signs a permit with an EOA wallet over the market's domain. */
export function signPermit(fx: MarketFixture, signer: WalletClient, permit: StepPermit): Promise<Hex> {
  return signer.signTypedData({
    account: signer.account!,
    domain: marketDomain(fx.chainId, fx.market.address),
    types: stepPermitTypes,
    primaryType: "StepPermit",
    message: permit,
  });
}

/** Signs an attestation with an EOA wallet over the market's domain. */
export function signAttestation(fx: MarketFixture, signer: WalletClient, att: StepAttestation): Promise<Hex> {
  return signer.signTypedData({
    account: signer.account!,
    domain: marketDomain(fx.chainId, fx.market.address),
    types: stepAttestationTypes,
    primaryType: "StepAttestation",
    message: att,
  });
}

/** Signs the next permit as the buyer and has the gateway consume it; returns the permit and its digest. */
export async function consumeNext(
  fx: MarketFixture,
  entitlementId: bigint,
  overrides: Partial<StepPermit> = {},
  signer: WalletClient = fx.buyer,
): Promise<{ permit: StepPermit; digest: Hex }> {
  const permit = await nextPermit(fx, entitlementId, overrides);
  const signature = await signPermit(fx, signer, permit);
  await fx.market.write.consume([permit, signature], { account: fx.gateway.account! });
  const digest = await fx.market.read.hashStepPermit([permit]);
  return { permit, digest };
}

/** The attestation verifiers sign for a consumed permit, continuing from `prev`. */
export function attestationFor(permit: StepPermit, digest: Hex, cert: Hex, prev: Hex = zeroHash): StepAttestation {
  return {
    entitlementId: permit.entitlementId,
    step: permit.step,
    permitDigest: digest,
    certificateHash: cert,
    prevCertificateHash: prev,
    commit: permit.commit,
    policyHash: permit.policyHash,
  };
}

/** Signatures from `verifiers`, ordered by ascending signer address as claim requires. */
export async function signAttestationBy(
  fx: MarketFixture,
  verifiers: WalletClient[],
  att: StepAttestation,
): Promise<Hex[]> {
  const sorted = [...verifiers].sort((a, b) =>
    BigInt(getAddress(a.account!.address)) < BigInt(getAddress(b.account!.address)) ? -1 : 1,
  );
  return Promise.all(sorted.map((v) => signAttestation(fx, v, att)));
}

/** Consumes the next step and claims it with the first verifier's signature; returns what was signed. */
export async function consumeAndClaim(
  fx: MarketFixture,
  entitlementId: bigint,
  opts: { cert?: Hex; prev?: Hex; permit?: Partial<StepPermit> } = {},
) {
  const { permit, digest } = await consumeNext(fx, entitlementId, opts.permit ?? {});
  const att = attestationFor(
    permit,
    digest,
    opts.cert ?? certificateHash(`${entitlementId}-${permit.step}`),
    opts.prev,
  );
  const sigs = await signAttestationBy(fx, [fx.verifierWallets[0]!], att);
  await fx.market.write.claim([permit, att, sigs], { account: fx.keeper.account! });
  return { permit, digest, att };
}
