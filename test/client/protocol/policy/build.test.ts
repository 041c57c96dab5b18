import { expect } from "chai";
import { createHash } from "node:crypto";

import { ProtocolError } from "../../../../client/src/protocol/errors";
import { canonicalJson } from "../../../../client/src/protocol/jcs";
import {
  type PolicyCapsuleInput,
  PolicyErrorCode,
  buildPolicyCapsule,
  parsePolicyCapsule,
  parsePolicyCapsuleBase64url,
  policyHashOf,
} from "../../../../client/src/protocol/policy";

const AUDIENCE = "swarm:84532:0x5fbdb2315678afecb367f032d93f642f64180aa3:0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

function input(): PolicyCapsuleInput {
  return {
    identity: {
      issuer: "https://token.actions.githubusercontent.com",
      audience: AUDIENCE,
      repository: "octo-org/octo-repo",
      repositoryId: "123456789",
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml",
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
    },
    egress: {
      rules: [
        {
          effect: "allow",
          scheme: "https",
          host: "api.example.com",
          port: "443",
          methods: ["GET"],
          pathPrefix: "/v1/",
        },
      ],
    },
    limits: { maxSeconds: "3600", maxStateBytes: "10485760" },
  };
}

/** Runs `fn`, expects a ProtocolError with exactly `code`, and returns it. */
function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).code, (err as Error).message).to.equal(code);
    return err as ProtocolError;
  }
  expect.fail(`expected ProtocolError ${code}, got no error`);
}

describe("client/protocol/policy/build", function () {
  it("builds JCS bytes with no trailing newline that parse back to the same capsule and hash", function () {
    const built = buildPolicyCapsule(input());
    const text = new TextDecoder().decode(built.bytes);
    expect(text.endsWith("}")).to.equal(true);
    expect(text).to.equal(canonicalJson(JSON.parse(text)));
    const parsed = parsePolicyCapsule(built.bytes);
    expect(parsed.capsule).to.deep.equal(built.capsule);
    expect(parsed.policyHash).to.equal(built.policyHash);
    expect(parsePolicyCapsuleBase64url(Buffer.from(built.bytes).toString("base64url"))).to.deep.equal(parsed);
  });

  it("hashes exactly the bytes it returns (checked against node:crypto)", function () {
    const built = buildPolicyCapsule(input());
    const expected = `0x${createHash("sha256").update(built.bytes).digest("hex")}`;
    expect(built.policyHash).to.equal(expected);
    expect(policyHashOf(built.bytes)).to.equal(expected);
    expect(built.policyHash).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("fills the version and the design's defaults: requireShaMatch true, allowUnboundRuns false", function () {
    const { capsule } = buildPolicyCapsule(input());
    expect(capsule.version).to.equal("swarm/policy/v1");
    expect(capsule.identity.requireShaMatch).to.equal(true);
    expect(capsule.identity.allowUnboundRuns).to.equal(false);
  });

  it("keeps flags the seller sets explicitly, and they change the hash", function () {
    const base = input();
    const relaxed = buildPolicyCapsule({
      ...base,
      identity: { ...base.identity, requireShaMatch: false, allowUnboundRuns: true },
    });
    expect(relaxed.capsule.identity.requireShaMatch).to.equal(false);
    expect(relaxed.capsule.identity.allowUnboundRuns).to.equal(true);
    expect(relaxed.policyHash).to.not.equal(buildPolicyCapsule(base).policyHash);
  });

  it("is deterministic: the same input always gives the same bytes", function () {
    expect(
      Buffer.from(buildPolicyCapsule(input()).bytes).equals(Buffer.from(buildPolicyCapsule(input()).bytes)),
    ).to.equal(true);
  });

  it("refuses invalid input with the parser's own codes", function () {
    const base = input();
    const badAudience = { ...base, identity: { ...base.identity, audience: AUDIENCE.toUpperCase() } };
    expectCode(() => buildPolicyCapsule(badAudience), PolicyErrorCode.SchemaInvalid);
    const foreignWorkflow = {
      ...base,
      identity: { ...base.identity, jobWorkflowRef: "evil-org/x/.github/workflows/step.yml" },
    };
    expectCode(() => buildPolicyCapsule(foreignWorkflow), PolicyErrorCode.WorkflowRefMismatch);
    const dupRefs = { ...base, identity: { ...base.identity, refs: ["refs/heads/main", "refs/heads/main"] } };
    expectCode(() => buildPolicyCapsule(dupRefs), PolicyErrorCode.DuplicateEntry);
  });

  it("refuses a field beyond the input type instead of dropping it silently", function () {
    const smuggled = { ...input(), note: "ignored?" } as PolicyCapsuleInput;
    expect(expectCode(() => buildPolicyCapsule(smuggled), PolicyErrorCode.SchemaInvalid).message).to.contain("note");
    const otherVersion = { ...input(), version: "swarm/policy/v2" } as PolicyCapsuleInput;
    expectCode(() => buildPolicyCapsule(otherVersion), PolicyErrorCode.VersionUnsupported);
  });

  it("refuses values JSON cannot hold (a bigint limit)", function () {
    const bigintLimit = {
      ...input(),
      limits: { maxSeconds: 3600n, maxStateBytes: "1" },
    } as unknown as PolicyCapsuleInput;
    expectCode(() => buildPolicyCapsule(bigintLimit), PolicyErrorCode.SchemaInvalid);
  });
});
