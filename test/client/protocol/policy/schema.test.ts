import { expect } from "chai";

import { PolicyErrorCode, parsePolicyCapsule } from "../../../../client/src/protocol/policy";

import { type Draft, GATEWAY, MARKET, canonicalText, capsuleWith, encode, expectCode, sample } from "./draftCapsule";

/** Expects the sample, edited by `edit`, to be refused with `code` and a message naming `path`. */
function expectRefused(edit: (d: Draft) => void, code: string, path: string): void {
  const err = expectCode(() => parsePolicyCapsule(capsuleWith(edit)), code);
  expect(err.message).to.contain(path);
}

const schema = PolicyErrorCode.SchemaInvalid;
const rule = (d: Draft): Record<string, unknown> => d.egress.rules[0]!;

describe("client/protocol/policy/schema", function () {
  it("accepts the reference capsule (so every refusal below is caused by its one edit)", function () {
    expect(() => parsePolicyCapsule(capsuleWith(() => undefined))).to.not.throw();
  });

  describe("unknown and missing fields", function () {
    it("rejects an unknown field at the top level", function () {
      expectRefused((d) => (d.comment = "harmless?"), schema, '"comment"');
    });

    it("rejects an unknown field in identity, egress, a rule and limits", function () {
      expectRefused((d) => (d.identity.sub = "repo:octo-org/octo-repo:ref:refs/heads/main"), schema, "identity");
      expectRefused((d) => (d.egress.defaultEffect = "allow"), schema, "egress");
      expectRefused((d) => (rule(d).query = "*"), schema, "egress.rules[0]");
      expectRefused((d) => (d.limits.maxMemoryBytes = "1"), schema, "limits");
    });

    it("rejects a __proto__ key smuggled in through JSON", function () {
      const text = canonicalText(sample()).replace('{"egress"', '{"__proto__":{"allowUnboundRuns":true},"egress"');
      expectCode(() => parsePolicyCapsule(encode(text)), schema);
    });

    it("rejects a missing field instead of defaulting it", function () {
      expectRefused((d) => delete d.identity.requireShaMatch, schema, "identity.requireShaMatch");
      expectRefused((d) => delete d.identity.allowUnboundRuns, schema, "identity.allowUnboundRuns");
      expectRefused((d) => delete d.identity.refs, schema, "identity.refs");
      expectRefused((d) => delete rule(d).methods, schema, "egress.rules[0].methods");
      expectRefused((d) => delete (d as Partial<Draft>).limits, schema, "limits");
    });

    it("rejects a boolean flag spelled as a string or a number", function () {
      expectRefused((d) => (d.identity.requireShaMatch = "true"), schema, "identity.requireShaMatch");
      expectRefused((d) => (d.identity.allowUnboundRuns = 0), schema, "identity.allowUnboundRuns");
    });
  });

  describe("identity", function () {
    it("rejects an audience with uppercase (checksummed) hex", function () {
      const upper = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      expectRefused((d) => (d.identity.audience = `swarm:84532:${upper}:${GATEWAY}`), schema, "identity.audience");
    });

    it("rejects an audience of the wrong shape", function () {
      for (const audience of [
        `swarm:84532:${MARKET}`,
        `swarm:0:${MARKET}:${GATEWAY}`,
        `swarm:084532:${MARKET}:${GATEWAY}`,
        `swarm:84532:${MARKET.slice(2)}:${GATEWAY.slice(2)}`,
        `swarm:84532:${MARKET}:${GATEWAY}0`,
        `sts.amazonaws.com`,
        `swarm:84532:${MARKET}:${GATEWAY}:extra`,
      ]) {
        expectRefused((d) => (d.identity.audience = audience), schema, "identity.audience");
      }
    });

    it("rejects an issuer that is not an https URL without a trailing slash", function () {
      for (const issuer of [
        "https://token.actions.githubusercontent.com/",
        "http://token.actions.githubusercontent.com",
        "https://TOKEN.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com?x=1",
        "https://user@token.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com/../x",
        "http://10.0.0.1:8080",
        "http://127.0.0.1.example.com",
      ]) {
        expectRefused((d) => (d.identity.issuer = issuer), schema, "identity.issuer");
      }
    });

    it("accepts a plain-http issuer only on a loopback host (a development issuer)", function () {
      for (const issuer of ["http://127.0.0.1:43111", "http://localhost:8080"]) {
        const bytes = capsuleWith((d) => (d.identity.issuer = issuer));
        expect(parsePolicyCapsule(bytes).capsule.identity.issuer).to.equal(issuer);
      }
    });

    it("accepts a GitHub Enterprise issuer with a path", function () {
      const bytes = capsuleWith((d) => (d.identity.issuer = "https://token.actions.githubusercontent.com/octo-ent"));
      expect(parsePolicyCapsule(bytes).capsule.identity.issuer).to.equal(
        "https://token.actions.githubusercontent.com/octo-ent",
      );
    });

    it("rejects a repository that is not owner/name", function () {
      for (const repository of [
        "octo-repo",
        "octo-org/octo-repo/extra",
        "-octo/octo-repo",
        "octo-org/..",
        "octo org/x",
      ]) {
        expectRefused((d) => (d.identity.repository = repository), schema, "identity.repository");
      }
    });

    it("rejects a repositoryId with a leading zero, a sign or a number type", function () {
      for (const id of ["0123456789", "0", "-1", "+1", "1e9", 123456789]) {
        expectRefused((d) => (d.identity.repositoryId = id), schema, "identity.repositoryId");
      }
    });

    it("rejects a jobWorkflowRef that carries an @ref", function () {
      const ref = "octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main";
      expectRefused((d) => (d.identity.jobWorkflowRef = ref), schema, "identity.jobWorkflowRef");
    });

    it("rejects a jobWorkflowRef outside .github/workflows or not a YAML file", function () {
      for (const ref of [
        "octo-org/octo-repo/step.yml",
        "octo-org/octo-repo/.github/workflows/sub/step.yml",
        "octo-org/octo-repo/.github/workflows/step.json",
      ]) {
        expectRefused((d) => (d.identity.jobWorkflowRef = ref), schema, "identity.jobWorkflowRef");
      }
    });

    it("rejects a jobWorkflowRef of another repository", function () {
      const ref = "evil-org/octo-repo/.github/workflows/step.yml";
      expectRefused(
        (d) => (d.identity.jobWorkflowRef = ref),
        PolicyErrorCode.WorkflowRefMismatch,
        "identity.jobWorkflowRef",
      );
      const prefixed = "octo-org/octo-repo-fork/.github/workflows/step.yml";
      expectRefused(
        (d) => (d.identity.jobWorkflowRef = prefixed),
        PolicyErrorCode.WorkflowRefMismatch,
        "octo-repo-fork",
      );
    });

    it("rejects refs that are empty, not fully qualified or globs", function () {
      expectRefused((d) => (d.identity.refs = []), schema, "identity.refs");
      for (const ref of [
        "main",
        "heads/main",
        "refs/heads/*",
        "refs/heads/release-?",
        "refs/heads/../tags/v1",
        "refs/",
      ]) {
        expectRefused((d) => (d.identity.refs = [ref]), schema, "identity.refs[0]");
      }
    });

    it("rejects duplicate refs", function () {
      const refs = ["refs/heads/main", "refs/tags/v1", "refs/heads/main"];
      expectRefused((d) => (d.identity.refs = refs), PolicyErrorCode.DuplicateEntry, "identity.refs[2]");
    });

    it("rejects duplicate or empty event names and runner environments", function () {
      const events = ["push", "push"];
      expectRefused((d) => (d.identity.eventNames = events), PolicyErrorCode.DuplicateEntry, "identity.eventNames");
      expectRefused((d) => (d.identity.eventNames = [""]), schema, "identity.eventNames[0]");
      expectRefused((d) => (d.identity.eventNames = []), schema, "identity.eventNames");
      const envs = ["self-hosted", "self-hosted"];
      expectRefused(
        (d) => (d.identity.runnerEnvironments = envs),
        PolicyErrorCode.DuplicateEntry,
        "runnerEnvironments",
      );
    });

    it("rejects a runner environment GitHub does not report", function () {
      expectRefused((d) => (d.identity.runnerEnvironments = ["any"]), schema, "identity.runnerEnvironments[0]");
    });
  });

  describe("egress rules", function () {
    it("accepts an empty rule list (everything denied)", function () {
      const { capsule } = parsePolicyCapsule(capsuleWith((d) => (d.egress.rules = [])));
      expect(capsule.egress.rules).to.deep.equal([]);
    });

    it("rejects an effect or scheme outside the grammar", function () {
      expectRefused((d) => (rule(d).effect = "audit"), schema, "egress.rules[0].effect");
      expectRefused((d) => (rule(d).scheme = "HTTPS"), schema, "egress.rules[0].scheme");
      expectRefused((d) => (rule(d).scheme = "wss"), schema, "egress.rules[0].scheme");
    });

    it("rejects a host that is uppercase, an IP literal, a bare * or a wildcard inside a name", function () {
      for (const host of [
        "API.example.com",
        "10.0.0.1",
        "*",
        "api.*.example.com",
        "*example.com",
        "example.com.",
        "",
      ]) {
        expectRefused((d) => (rule(d).host = host), schema, "egress.rules[0].host");
      }
    });

    it("rejects a port outside 1-65535 or not a canonical decimal string", function () {
      for (const port of ["0", "65536", "0443", "443 ", 443]) {
        expectRefused((d) => (rule(d).port = port), schema, "egress.rules[0].port");
      }
    });

    it('rejects methods that are empty, lowercase, or mix "*" with names', function () {
      expectRefused((d) => (rule(d).methods = []), schema, "egress.rules[0].methods");
      expectRefused((d) => (rule(d).methods = ["get"]), schema, "egress.rules[0].methods[0]");
      expectRefused((d) => (rule(d).methods = ["*", "GET"]), schema, "egress.rules[0].methods");
      expectRefused((d) => (rule(d).methods = ["GET", "GET"]), PolicyErrorCode.DuplicateEntry, "methods");
    });

    it("rejects a pathPrefix that is relative or not normalized", function () {
      for (const pathPrefix of [
        "",
        "v1/",
        "/v1/../admin",
        "/v1/%2e%2e/",
        "/v1\\admin",
        "/v1//x",
        "/v1?x=1",
        "/%61dmin",
      ]) {
        expectRefused((d) => (rule(d).pathPrefix = pathPrefix), schema, "egress.rules[0].pathPrefix");
      }
    });

    it("rejects a rule repeated verbatim", function () {
      expectRefused((d) => d.egress.rules.push(d.egress.rules[1]!), PolicyErrorCode.DuplicateEntry, "egress.rules[2]");
    });
  });

  describe("limits", function () {
    it("rejects zero, negative, non-decimal or over-bound limits", function () {
      for (const maxSeconds of ["0", "-1", "3600.5", "2592001", "", 3600]) {
        expectRefused((d) => (d.limits.maxSeconds = maxSeconds), schema, "limits.maxSeconds");
      }
      for (const maxStateBytes of ["0", "9007199254740992", "99999999999999999999999"]) {
        expectRefused((d) => (d.limits.maxStateBytes = maxStateBytes), schema, "limits.maxStateBytes");
      }
    });

    it("accepts the bounds themselves", function () {
      const bytes = capsuleWith((d) => {
        d.limits.maxSeconds = "2592000";
        d.limits.maxStateBytes = "9007199254740991";
      });
      expect(parsePolicyCapsule(bytes).capsule.limits).to.deep.equal({
        maxSeconds: "2592000",
        maxStateBytes: "9007199254740991",
      });
    });
  });
});
