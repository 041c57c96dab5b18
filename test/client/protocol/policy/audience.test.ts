import { expect } from "chai";
import type { Address } from "viem";

import { ProtocolError } from "../../../../client/src/protocol/errors";
import {
  PolicyErrorCode,
  buildPolicyCapsule,
  expectedAudience,
  verifyPolicyAudience,
} from "../../../../client/src/protocol/policy";

const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"; // EIP-55 checksummed
const GATEWAY: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** Runs `fn`, expects a ProtocolError with exactly `code`. */
function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).code, (err as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected ProtocolError ${code}, got no error`);
}

function capsuleFor(audience: string) {
  return buildPolicyCapsule({
    identity: {
      issuer: "https://token.actions.githubusercontent.com",
      audience,
      repository: "octo-org/octo-repo",
      repositoryId: "123456789",
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml",
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
    },
    egress: { rules: [] },
    limits: { maxSeconds: "3600", maxStateBytes: "1" },
  }).capsule;
}

describe("client/protocol/policy/audience", function () {
  it("encodes swarm:<chainId>:<market>:<gateway> in lowercase, which the capsule grammar accepts", function () {
    const audience = expectedAudience(84532n, MARKET, GATEWAY);
    expect(audience).to.equal(`swarm:84532:${MARKET.toLowerCase()}:${GATEWAY.toLowerCase()}`);
    expect(capsuleFor(audience).identity.audience).to.equal(audience);
  });

  it("gives a different audience for another gateway, chain or market (a token for one is useless at another)", function () {
    const base = expectedAudience(84532n, MARKET, GATEWAY);
    expect(expectedAudience(84532n, MARKET, MARKET)).to.not.equal(base);
    expect(expectedAudience(8453n, MARKET, GATEWAY)).to.not.equal(base);
    expect(expectedAudience(84532n, GATEWAY, GATEWAY)).to.not.equal(base);
  });

  it("refuses a chain id of zero, a negative one or a number", function () {
    expectCode(() => expectedAudience(0n, MARKET, GATEWAY), PolicyErrorCode.AudienceInputInvalid);
    expectCode(() => expectedAudience(-1n, MARKET, GATEWAY), PolicyErrorCode.AudienceInputInvalid);
    expectCode(
      () => expectedAudience(84532 as unknown as bigint, MARKET, GATEWAY),
      PolicyErrorCode.AudienceInputInvalid,
    );
  });

  it("refuses an address that is short, not hex or carries a broken checksum", function () {
    const broken = "0x5fbDB2315678afecb367f032d93F642f64180aa3" as Address;
    for (const bad of ["0x1234", "0xzz5fbdb2315678afecb367f032d93f642f64180a", broken] as Address[]) {
      expectCode(() => expectedAudience(84532n, bad, GATEWAY), PolicyErrorCode.AudienceInputInvalid);
      expectCode(() => expectedAudience(84532n, MARKET, bad), PolicyErrorCode.AudienceInputInvalid);
    }
  });

  it("refuses a capsule written for another gateway", function () {
    const capsule = capsuleFor(expectedAudience(84532n, MARKET, MARKET));
    expectCode(
      () => verifyPolicyAudience(capsule, expectedAudience(84532n, MARKET, GATEWAY)),
      PolicyErrorCode.AudienceMismatch,
    );
    expect(() => verifyPolicyAudience(capsule, expectedAudience(84532n, MARKET, MARKET))).to.not.throw();
  });
});
