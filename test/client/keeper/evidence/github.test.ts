import { createHash } from "node:crypto";
import { expect } from "chai";

import type { ConsumedStep } from "../../../../client/src/keeper/consumedStep";
import { KeeperErrorCode } from "../../../../client/src/keeper/errors";
import { githubEvidenceSource } from "../../../../client/src/keeper/evidence/github";
import { isProtocolError } from "../../../../client/src/protocol/errors";
import { type DevGithub, startDevGithub } from "../../../../devnet/github";

const REPO = "octo-org/octo-repo";
const TOKEN = "test-token-not-a-secret";
const enc = (s: string) => new TextEncoder().encode(s);
const CERT = enc('{"step":"1"}');
const BUNDLE = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", note: "from the attestation store" };

function consumed(step: number, runId: bigint): ConsumedStep {
  return {
    entitlementId: 5n,
    step,
    fromStep: step - 1,
    permitDigest: `0x${"11".repeat(32)}`,
    workerKey: `0x${"22".repeat(32)}`,
    runId,
    runAttempt: 1,
    blockNumber: 1n,
    txHash: `0x${"33".repeat(32)}`,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isProtocolError(err) ? err.code : String(err);
  }
  return undefined;
}

describe("keeper evidence from GitHub's REST API (development server)", () => {
  let gh: DevGithub;
  before(async () => {
    gh = await startDevGithub({ repository: REPO, token: TOKEN });
    gh.publishStep({
      runId: 1001n,
      entitlementId: 5n,
      step: 1,
      files: {
        "certificate.json": CERT,
        "certificate.sigstore.json": enc('{"stale":"copy in the artifact"}'),
        "state.jwe": enc("state"),
      },
      bundle: BUNDLE,
    });
    gh.publishStep({
      runId: 1001n,
      entitlementId: 5n,
      step: 0,
      files: { "state.jwe": enc("genesis") },
      bundle: undefined,
    });
    gh.publishStep({
      runId: 1002n,
      entitlementId: 5n,
      step: 2,
      files: { "certificate.json": enc("{}") },
      bundle: undefined,
    });
  });
  after(() => gh.stop());

  const source = (token: string | undefined = TOKEN) =>
    githubEvidenceSource({ apiUrl: gh.url, repository: REPO, fetch, ...(token === undefined ? {} : { token }) });

  it("reads the artifact's files and the bundle stored for the certificate's digest", async () => {
    const files = await source().stepFiles(consumed(1, 1001n));
    expect(Object.keys(files).sort()).to.deep.equal(["certificate.json", "certificate.sigstore.json", "state.jwe"]);
    expect(Buffer.from(files["certificate.json"]!).toString()).to.equal('{"step":"1"}');
    expect(JSON.parse(Buffer.from(files["certificate.sigstore.json"]!).toString())).to.deep.equal(BUNDLE);
    const digest = createHash("sha256").update(CERT).digest("hex");
    expect(gh.requests.map((r) => r.path)).to.include(`/repos/${REPO}/attestations/sha256:${digest}`);
  });

  it("reads the genesis state from the run's swarm-evidence-<id>-0 artifact; none when that run uploaded none", async () => {
    const genesis = await source().genesisState!(consumed(1, 1001n));
    expect(Buffer.from(genesis!).toString()).to.equal("genesis");
    expect(gh.requests.map((r) => r.path)).to.include(`/repos/${REPO}/actions/runs/1001/artifacts`);
    expect(await source().genesisState!(consumed(1, 1002n))).to.equal(undefined);
  });

  it("reports an outage while reading the genesis state as unavailable, not as a missing state", async () => {
    gh.setDown(true);
    try {
      expect(await codeOf(source().genesisState!(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_UNAVAILABLE);
    } finally {
      gh.setDown(false);
    }
  });

  it("reports a run without the step's artifact as evidence missing", async () => {
    expect(await codeOf(source().stepFiles(consumed(1, 9999n)))).to.equal(KeeperErrorCode.EVIDENCE_MISSING);
  });

  it("reports a certificate nobody attested as evidence missing (no bundle, no claim)", async () => {
    expect(await codeOf(source().stepFiles(consumed(2, 1002n)))).to.equal(KeeperErrorCode.EVIDENCE_MISSING);
  });

  it("finds no evidence of a step under a run that did not upload it", async () => {
    expect(await codeOf(source().stepFiles({ ...consumed(1, 1002n) }))).to.equal(KeeperErrorCode.EVIDENCE_MISSING);
  });

  it("reports a refused token and an outage as unavailable, to be retried", async () => {
    expect(await codeOf(source("wrong").stepFiles(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_UNAVAILABLE);
    gh.setDown(true);
    try {
      expect(await codeOf(source().stepFiles(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_UNAVAILABLE);
    } finally {
      gh.setDown(false);
    }
  });

  it("reports an unreachable API as unavailable", async () => {
    const dead = githubEvidenceSource({ apiUrl: "http://127.0.0.1:1", repository: REPO, fetch });
    expect(await codeOf(dead.stepFiles(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_UNAVAILABLE);
  });

  it("refuses an answer outside the API's shape", async () => {
    const lying: typeof fetch = async () => new Response(JSON.stringify({ artifacts: "none" }), { status: 200 });
    const s = githubEvidenceSource({ apiUrl: gh.url, repository: REPO, fetch: lying });
    expect(await codeOf(s.stepFiles(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_INVALID);
  });

  it("refuses an artifact larger than the limit", async () => {
    const s = githubEvidenceSource({ apiUrl: gh.url, repository: REPO, token: TOKEN, fetch, maxZipBytes: 10 });
    expect(await codeOf(s.stepFiles(consumed(1, 1001n)))).to.equal(KeeperErrorCode.EVIDENCE_INVALID);
  });

  it("rejects a repository name that could redirect the request", () => {
    expect(() => githubEvidenceSource({ apiUrl: gh.url, repository: "a/b/../../x", fetch })).to.throw(
      /expected a GitHub repository/,
    );
  });
});
