import { expect } from "chai";
import { type DevOidcIssuer, resolveRunContext, startDevOidcIssuer, subjectFor } from "../../../devnet/oidc";
import { fetchIdToken, manualClock, payloadOf } from "../../gateway/oidc/fixtures";
import { fixturesDir, readText } from "../../support/fixtures";

/** The claims of a GitHub Actions token in the order GitHub writes them (2026, no environment). */
const GITHUB_CLAIM_ORDER = [
  "jti", "sub", "aud", "ref", "sha", "repository", "repository_owner", "repository_owner_id", "run_id",
  "run_number", "run_attempt", "repository_visibility", "repository_id", "actor_id", "actor", "workflow",
  "head_ref", "base_ref", "event_name", "ref_protected", "ref_type", "workflow_ref", "workflow_sha",
  "job_workflow_ref", "job_workflow_sha", "runner_environment", "check_run_id", "iss", "nbf", "exp", "iat",
]; // prettier-ignore
const NUMERIC = ["nbf", "exp", "iat"];

describe("devnet/oidc claims", () => {
  const time = manualClock();
  let issuer: DevOidcIssuer;
  before(async () => {
    issuer = await startDevOidcIssuer({ clock: time.clock });
  });
  after(() => issuer.stop());

  it("issues GitHub's full claim set with GitHub's names, order and types", async () => {
    const claims = payloadOf(await fetchIdToken(issuer.registerRun(), "aud"));
    expect(Object.keys(claims)).to.deep.equal(GITHUB_CLAIM_ORDER);
    for (const [name, value] of Object.entries(claims)) {
      expect(typeof value, name).to.equal(NUMERIC.includes(name) ? "number" : "string");
    }
    expect(claims.ref_protected).to.be.oneOf(["true", "false"]);
  });

  it("has the same claim names and types as a real GitHub Actions token", async function () {
    const dir = fixturesDir();
    if (dir === undefined) this.skip();
    const real = (JSON.parse(readText(dir, "oidc/claims/beacon-2026-06.decoded.json")) as { payload: object }).payload;
    const ours = payloadOf(await fetchIdToken(issuer.registerRun(), "aud"));
    const shape = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v]));
    expect(shape(ours)).to.deep.equal(shape(real));
  });

  it("times tokens like GitHub: iat now, exp 5 minutes later, nbf 5 minutes earlier", async () => {
    const claims = payloadOf(await fetchIdToken(issuer.registerRun(), "aud"));
    expect(claims.iat).to.equal(time.seconds());
    expect(claims.exp).to.equal(time.seconds() + 300);
    expect(claims.nbf).to.equal(time.seconds() - 300);
  });

  it("fills in what GitHub derives: owner, ref type, workflow refs and shas", async () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const claims = payloadOf(
      await fetchIdToken(issuer.registerRun({ repository: "acme/widgets", ref: "refs/tags/v2", sha }), "aud"),
    );
    expect(claims).to.include({
      repository_owner: "acme",
      ref_type: "tag",
      workflow_ref: "acme/widgets/.github/workflows/step.yml@refs/tags/v2",
      job_workflow_ref: "acme/widgets/.github/workflows/step.yml@refs/tags/v2",
      workflow_sha: sha,
      job_workflow_sha: sha,
      sub: "repo:acme/widgets:ref:refs/tags/v2",
    });
  });

  it("keeps the caller's workflow_ref apart from the reusable workflow's job_workflow_ref", async () => {
    const claims = payloadOf(
      await fetchIdToken(
        issuer.registerRun({
          jobWorkflowRef: "org/shared/.github/workflows/build.yml@refs/tags/v1",
          jobWorkflowSha: "f".repeat(40),
        }),
        "aud",
      ),
    );
    expect(claims.workflow_ref).to.equal("octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main");
    expect(claims.job_workflow_ref).to.equal("org/shared/.github/workflows/build.yml@refs/tags/v1");
    expect(claims.job_workflow_sha).to.equal("f".repeat(40));
  });

  it("builds sub as GitHub does: by environment, by pull request, else by ref, escaping colons", () => {
    expect(subjectFor(resolveRunContext({ environment: "Production:V1" }))).to.equal(
      "repo:octo-org/octo-repo:environment:Production%3AV1",
    );
    expect(subjectFor(resolveRunContext({ eventName: "pull_request", ref: "refs/pull/7/merge" }))).to.equal(
      "repo:octo-org/octo-repo:pull_request",
    );
    expect(subjectFor(resolveRunContext())).to.equal("repo:octo-org/octo-repo:ref:refs/heads/main");
  });

  it("lets tests mint hostile tokens: overridden and removed claims, any header", () => {
    const token = issuer.mint({ run_id: 5, jti: undefined }, { alg: "none", header: { typ: undefined } });
    const [header, payload, signature] = token.split(".");
    expect(JSON.parse(Buffer.from(header!, "base64url").toString())).to.deep.equal({
      alg: "none",
      kid: issuer.currentKid,
    });
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    expect(claims.run_id).to.equal(5);
    expect(claims).to.not.have.property("jti");
    expect(signature).to.equal("");
  });
});
