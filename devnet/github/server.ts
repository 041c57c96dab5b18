/**
 * A development server on 127.0.0.1 that speaks the part of GitHub's REST API the keeper reads:
 *
 *   GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts[?name=]   → { total_count, artifacts: [...] }
 *   GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip       → 302 to the archive (as GitHub does)
 *   GET /_blobs/{artifact_id}.zip                                        → the zip (no auth, like blob storage)
 *   GET /repos/{owner}/{repo}/attestations/sha256:{hex}                 → { attestations: [{ bundle, ... }] }
 *
 * Content is published by the test (`publishStep`, or `publishEvidenceFolder` for a runner's evidence layout).
 * With a token configured, API routes answer 401 without `Authorization: Bearer <token>`. Explicit development
 * configuration only: production reads api.github.com.
 */
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";

import { writeZip } from "./zip";

/** One step's evidence as a run published it: an artifact (its files) and the attestation of its certificate. */
export interface PublishedStep {
  readonly runId: bigint;
  readonly entitlementId: bigint;
  readonly step: number;
  /** Files uploaded as the artifact (the Sigstore bundle goes to the attestation store instead). */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The Sigstore bundle, stored under sha256(certificate.json). */
  readonly bundle: unknown;
}

/** Options of the development GitHub server. */
export interface DevGithubOptions {
  /** `owner/name`: the only repository it serves. */
  readonly repository: string;
  /** When set, API routes require this bearer token. */
  readonly token?: string;
}

/** A running development GitHub server and its controls. */
export interface DevGithub {
  /** `http://127.0.0.1:<port>`: the API base URL. */
  readonly url: string;
  publishStep(step: PublishedStep): void;
  /** Publishes every step folder of a runner evidence layout (`<root>/<entitlementId>/<step>/…`). */
  publishEvidenceFolder(root: string): Promise<number>;
  /** Request paths seen, in order, with whether they carried an Authorization header. */
  readonly requests: ReadonlyArray<{ readonly path: string; readonly authorized: boolean }>;
  /** While true, every API route answers 503. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

interface Artifact {
  id: number;
  name: string;
  runId: bigint;
  zip: Uint8Array;
  createdAt: string;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startDevGithub(options: DevGithubOptions): Promise<DevGithub> {
  const [owner, repo] = options.repository.split("/") as [string, string];
  const artifacts: Artifact[] = [];
  const attestations = new Map<string, unknown[]>();
  const requests: { path: string; authorized: boolean }[] = [];
  let down = false;
  let url = "";

  const app = express();
  app.disable("x-powered-by");
  app.use((req: Request, _res: Response, next: NextFunction) => {
    requests.push({ path: req.path, authorized: req.headers.authorization !== undefined });
    next();
  });
  /** Route-level guard of the API routes (a plain middleware, so it sees the route's params). */
  const api = (req: Request, res: Response, next: NextFunction): void => {
    if (down) return void res.status(503).json({ message: "Service Unavailable" });
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return void res.status(401).json({ message: "Bad credentials" });
    }
    if (req.params.owner !== owner || req.params.repo !== repo)
      return void res.status(404).json({ message: "Not Found" });
    next();
  };
  const base = "/repos/:owner/:repo";
  app.get(`${base}/actions/runs/:runId/artifacts`, api, (req: Request, res: Response) => {
    const runId = String(req.params.runId);
    const name = typeof req.query.name === "string" ? req.query.name : undefined;
    const list = artifacts.filter((a) => a.runId.toString() === runId && (name === undefined || a.name === name));
    res.json({
      total_count: list.length,
      artifacts: list.map((a) => ({
        id: a.id,
        node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
        name: a.name,
        size_in_bytes: a.zip.length,
        url: `${url}/repos/${owner}/${repo}/actions/artifacts/${a.id}`,
        archive_download_url: `${url}/repos/${owner}/${repo}/actions/artifacts/${a.id}/zip`,
        expired: false,
        created_at: a.createdAt,
        workflow_run: { id: Number(a.runId), repository_id: 1, head_branch: "main" },
      })),
    });
  });
  app.get(`${base}/actions/artifacts/:id/zip`, api, (req: Request, res: Response) => {
    const a = artifacts.find((x) => String(x.id) === req.params.id);
    if (a === undefined) return void res.status(404).json({ message: "Not Found" });
    res.redirect(302, `${url}/_blobs/${a.id}.zip`);
  });
  app.get("/_blobs/:file", (req: Request, res: Response) => {
    const a = artifacts.find((x) => `${x.id}.zip` === req.params.file);
    if (a === undefined) return void res.status(404).end();
    res.status(200).type("application/zip").send(Buffer.from(a.zip));
  });
  app.get(`${base}/attestations/:subject`, api, (req: Request, res: Response) => {
    const m = /^sha256:([0-9a-f]{64})$/.exec(String(req.params.subject));
    const found = m === null ? undefined : attestations.get(m[1]!);
    if (found === undefined) return void res.status(404).json({ message: "Not Found" });
    res.json({ attestations: found.map((bundle) => ({ bundle, repository_id: 1, bundle_url: null })) });
  });
  app.use((_req: Request, res: Response) => void res.status(404).json({ message: "Not Found" }));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function publishStep(step: PublishedStep): void {
    const entries = Object.entries(step.files).filter(([n]) => n !== "certificate.sigstore.json");
    const id = artifacts.length + 1;
    artifacts.push({
      id,
      name: `swarm-evidence-${step.entitlementId}-${step.step}`,
      runId: step.runId,
      zip: writeZip(entries),
      createdAt: new Date(0).toISOString(),
    });
    const certificate = step.files["certificate.json"];
    if (certificate !== undefined && step.bundle !== undefined) {
      const digest = createHash("sha256").update(certificate).digest("hex");
      attestations.set(digest, [...(attestations.get(digest) ?? []), step.bundle]);
    }
  }

  return {
    url,
    publishStep,
    async publishEvidenceFolder(root) {
      let count = 0;
      for (const ent of (await readdir(root)).filter((n) => /^[0-9]+$/.test(n))) {
        for (const st of (await readdir(path.join(root, ent))).filter((n) => /^[1-9][0-9]*$/.test(n))) {
          const dir = path.join(root, ent, st);
          const files: Record<string, Uint8Array> = {};
          for (const name of await readdir(dir)) files[name] = new Uint8Array(await readFile(path.join(dir, name)));
          const cert = files["certificate.json"];
          const bundleBytes = files["certificate.sigstore.json"];
          if (cert === undefined) continue;
          const runId = BigInt(
            (JSON.parse(Buffer.from(cert).toString("utf8")) as { run: { runId: string } }).run.runId,
          );
          const bundle: unknown =
            bundleBytes === undefined ? undefined : JSON.parse(Buffer.from(bundleBytes).toString("utf8"));
          publishStep({ runId, entitlementId: BigInt(ent), step: Number(st), files, bundle });
          count++;
        }
      }
      return count;
    },
    requests,
    setDown: (d) => void (down = d),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
