/** Shared set-up of the seller and buyer SDK tests over the in-process market fixture. */
import { expect } from "chai";
import type { Address, PublicClient, WalletClient } from "viem";

import type { MarketReader, MarketWriter } from "../../../client/src/chain/clients";
import type { TransactionSender } from "../../../client/src/chain/sender";
import { ProtocolError } from "../../../client/src/protocol/errors";
import { buildPolicyCapsule, expectedAudience } from "../../../client/src/protocol/policy";
import type { BuiltPolicyCapsule } from "../../../client/src/protocol/policy";
import type { OfferTermsInput } from "../../../client/src/seller/terms";
import {
  ARBITER_TIMEOUT,
  BOND,
  COMMIT,
  DISPUTE_WINDOW,
  type MarketFixture,
  PRICE,
  STEP_TIMEOUT,
} from "../../helpers/market";

/** A capsule for the fixture's market and gateway (or `gateway`). */
export function capsuleFor(
  fx: MarketFixture,
  options: { gateway?: Address; allowUnboundRuns?: boolean } = {},
): BuiltPolicyCapsule {
  return buildPolicyCapsule({
    identity: {
      issuer: "https://token.actions.githubusercontent.com",
      audience: expectedAudience(BigInt(fx.chainId), fx.market.address, options.gateway ?? fx.gateway.account!.address),
      repository: "octo-org/octo-repo",
      repositoryId: "632596897",
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml",
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
      ...(options.allowUnboundRuns === undefined ? {} : { allowUnboundRuns: options.allowUnboundRuns }),
    },
    egress: { rules: [] },
    limits: { maxSeconds: "600", maxStateBytes: "1048576" },
  });
}

/** The fixture's market as an SDK reader. */
export function readerOf(fx: MarketFixture): MarketReader {
  return { publicClient: fx.publicClient as unknown as PublicClient, market: fx.market.address };
}

/** The fixture's market as an SDK writer sending from `wallet`. */
export function writerOf(fx: MarketFixture, wallet: WalletClient | TransactionSender): MarketWriter {
  return { ...readerOf(fx), wallet };
}

/** Offer terms for the fixture, as a seller writes them (verifiers in any order). */
export function sellerTerms(fx: MarketFixture, overrides: Partial<OfferTermsInput> = {}): OfferTermsInput {
  return {
    gateway: fx.gateway.account!.address,
    pricePerStep: PRICE,
    maxSteps: 100,
    commit: COMMIT,
    stepTimeout: STEP_TIMEOUT,
    disputeWindow: DISPUTE_WINDOW,
    arbiterTimeout: ARBITER_TIMEOUT,
    disputeBond: BOND,
    arbiter: fx.arbiter.account!.address,
    quorum: 1,
    verifiers: [fx.verifierWallets[0]!.account!.address],
    ...overrides,
  };
}

/** Asserts that `call` fails with a ProtocolError of exactly `code`; returns it for further checks. */
export async function expectCode(call: Promise<unknown> | (() => unknown), code: string): Promise<ProtocolError> {
  let failure: unknown;
  try {
    await (typeof call === "function" ? call() : call);
  } catch (e) {
    failure = e;
  }
  expect(failure, `expected ${code}, but the call succeeded`).to.not.equal(undefined);
  expect(failure).to.be.instanceOf(ProtocolError);
  expect((failure as ProtocolError).code, String(failure)).to.equal(code);
  return failure as ProtocolError;
}
