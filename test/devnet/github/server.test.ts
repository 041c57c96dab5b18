import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import { type DevGithub, startDevGithub } from "../../../devnet/github";

describe("devnet GitHub API server", () => {
  let gh: DevGithub;
  let root: string;
  before(async () => {
    gh = await startDevGithub({ repository: "octo-org/octo-repo" });
    root = await mkdtemp(path.join(tmpdir(), "swarm-devgh-"));
  });
  after(async () => {
    await gh.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 only", () => {
    expect(new URL(gh.url).hostname).to.equal("127.0.0.1");
  });

  it("publishes a runner evidence folder: one artifact per step, named for it, under the run it names", async () => {
    const dir = path.join(root, "9", "1");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "certificate.json"), JSON.stringify({ run: { runId: "4242" } }));
    await writeFile(path.join(dir, "certificate.sigstore.json"), "{}");
    await mkdir(path.join(root, "9", "0"));
    expect(await gh.publishEvidenceFolder(root)).to.equal(1);
    const res = await fetch(`${gh.url}/repos/octo-org/octo-repo/actions/runs/4242/artifacts`);
    const body = (await res.json()) as { artifacts: { name: string; workflow_run: { id: number } }[] };
    expect(body.artifacts.map((a) => [a.name, a.workflow_run.id])).to.deep.equal([["swarm-evidence-9-1", 4242]]);
  });

  it("answers 404 for another repository and for an unknown digest", async () => {
    expect((await fetch(`${gh.url}/repos/other/repo/actions/runs/4242/artifacts`)).status).to.equal(404);
    expect((await fetch(`${gh.url}/repos/octo-org/octo-repo/attestations/sha256:${"0".repeat(64)}`)).status).to.equal(
      404,
    );
  });

  it("redirects an artifact download to its archive, as GitHub does", async () => {
    const res = await fetch(`${gh.url}/repos/octo-org/octo-repo/actions/artifacts/1/zip`, { redirect: "manual" });
    expect(res.status).to.equal(302);
    expect(res.headers.get("location")).to.equal(`${gh.url}/_blobs/1.zip`);
  });
});
