/**
 * Evidence from GitHub's REST API: the step's files from its run's artifact
 * (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts`, then the artifact's zip), and its Sigstore bundle
 * from the attestations stored for the certificate's digest (`GET /repos/{owner}/{repo}/attestations/sha256:<hex>`);
 * for a step from genesis, the genesis state from the same run's artifact `swarm-evidence-<entitlementId>-0`.
 * The token (optional for public repositories) is sent only as an Authorization header and never logged.
 */
import { z } from "zod";

import { isProtocolError } from "../../protocol/errors";
import { sha256Hex } from "../../protocol/jcs";
import type { ConsumedStep } from "../consumedStep";
import { KeeperErrorCode, keeperFail } from "../errors";
import { requireEvidence } from "./folder";
import {
  EVIDENCE_MAX_FILES,
  EVIDENCE_MAX_FILE_BYTES,
  EVIDENCE_NAME,
  type EvidenceSource,
  GENESIS_STATE_FILE,
} from "./source";
import { readZip } from "./zip";

/** The artifact a step's files are uploaded as: `swarm-evidence-<entitlementId>-<step>`. */
export function evidenceArtifactName(step: { readonly entitlementId: bigint; readonly step: number }): string {
  return `swarm-evidence-${step.entitlementId}-${step.step}`;
}

/** How to reach GitHub. */
export interface GithubEvidenceOptions {
  /** The API's base URL, no trailing slash (https://api.github.com, or a test server's). */
  readonly apiUrl: string;
  /** The repository the seller's workflow runs in: `owner/name`. */
  readonly repository: string;
  /** A token with `actions:read` and `attestations:read` (not needed for public repositories). */
  readonly token?: string;
  readonly fetch: typeof fetch;
  /** Largest artifact zip downloaded, in bytes (default 32 MiB). */
  readonly maxZipBytes?: number;
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
}

const artifactsSchema = z.object({
  artifacts: z
    .array(
      z.object({
        id: z.number().int().positive(),
        name: z.string(),
        expired: z.boolean(),
        workflow_run: z.object({ id: z.number().int().positive() }).nullish(),
      }),
    )
    .max(1000),
});

const attestationsSchema = z.object({
  attestations: z.array(z.object({ bundle: z.unknown() })).max(1000),
});

const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** Reads a step's evidence through GitHub's REST API. */
export function githubEvidenceSource(options: GithubEvidenceOptions): EvidenceSource {
  if (!REPOSITORY.test(options.repository)) {
    keeperFail(KeeperErrorCode.CONFIG_INVALID, `expected a GitHub repository owner/name, got ${options.repository}`);
  }
  const repoUrl = `${options.apiUrl}/repos/${options.repository}`;
  const maxZipBytes = options.maxZipBytes ?? 32 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers: Record<string, string> = {
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
  };

  async function get(url: string, what: string, maxBytes: number): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await options.fetch(url, { headers, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      return keeperFail(KeeperErrorCode.EVIDENCE_UNAVAILABLE, `cannot reach GitHub for ${what}`, cause);
    }
    if (res.status === 404) keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `GitHub has no ${what} (HTTP 404)`);
    if (res.status !== 200)
      keeperFail(KeeperErrorCode.EVIDENCE_UNAVAILABLE, `GitHub answered HTTP ${res.status} for ${what}`);
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > maxBytes)
      keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected ${what} of at most ${maxBytes} bytes`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.byteLength > maxBytes)
      keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected ${what} of at most ${maxBytes} bytes`);
    return body;
  }

  async function getJson<T>(url: string, what: string, schema: z.ZodType<T>): Promise<T> {
    const body = await get(url, what, 8 * 1024 * 1024);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (cause) {
      return keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected JSON from GitHub for ${what}`, cause);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `unexpected answer from GitHub for ${what}`);
    return parsed.data;
  }

  /** The files of the artifact of step `of` (default: the step itself) uploaded by the step's run. */
  async function artifactFiles(step: ConsumedStep, of = step.step): Promise<Record<string, Uint8Array>> {
    const name = evidenceArtifactName({ entitlementId: step.entitlementId, step: of });
    const listed = await getJson(
      `${repoUrl}/actions/runs/${step.runId}/artifacts?per_page=100&name=${encodeURIComponent(name)}`,
      `the artifacts of run ${step.runId}`,
      artifactsSchema,
    );
    const artifact = listed.artifacts.find(
      (a) => a.name === name && !a.expired && (a.workflow_run == null || BigInt(a.workflow_run.id) === step.runId),
    );
    if (artifact === undefined) {
      keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `run ${step.runId} has no unexpired artifact ${name}`);
    }
    const zip = await get(`${repoUrl}/actions/artifacts/${artifact.id}/zip`, `artifact ${name}`, maxZipBytes);
    const entries = readZip(zip, {
      maxEntries: EVIDENCE_MAX_FILES * 4,
      maxEntryBytes: EVIDENCE_MAX_FILE_BYTES,
      maxTotalBytes: EVIDENCE_MAX_FILES * EVIDENCE_MAX_FILE_BYTES,
    });
    const files: Record<string, Uint8Array> = {};
    for (const [n, bytes] of entries) if (EVIDENCE_NAME.test(n)) files[n] = bytes;
    if (Object.keys(files).length > EVIDENCE_MAX_FILES) {
      keeperFail(KeeperErrorCode.EVIDENCE_INVALID, `expected at most ${EVIDENCE_MAX_FILES} evidence files in ${name}`);
    }
    return files;
  }

  return {
    kind: "github",
    async stepFiles(step) {
      const files = await artifactFiles(step);
      const certificate = files["certificate.json"];
      if (certificate === undefined) {
        keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `artifact ${evidenceArtifactName(step)} lacks certificate.json`);
      }
      // The attestation store is the source of the bundle: a copy in the artifact is ignored.
      delete files["certificate.sigstore.json"];
      const digest = sha256Hex(certificate).slice(2);
      const found = await getJson(
        `${repoUrl}/attestations/sha256:${digest}?per_page=30`,
        `attestations of sha256:${digest}`,
        attestationsSchema,
      );
      // Several attestations may name one digest (a re-run); the first inline bundle is handed to the verifiers,
      // which check its identity against the offer. Bundles only reachable by URL are not fetched.
      const bundle = found.attestations.find((a) => typeof a.bundle === "object" && a.bundle !== null)?.bundle;
      if (bundle !== undefined) files["certificate.sigstore.json"] = new TextEncoder().encode(JSON.stringify(bundle));
      return requireEvidence(files, step.step);
    },
    async genesisState(step) {
      // The run that consumed a step from genesis read the buyer's genesis state as its input, and uploads it as
      // `swarm-evidence-<entitlementId>-0` beside its own artifact. Absent: undefined (the check stays unchecked).
      let files;
      try {
        files = await artifactFiles(step, 0);
      } catch (err) {
        if (isProtocolError(err, KeeperErrorCode.EVIDENCE_MISSING)) return undefined;
        throw err;
      }
      return files[GENESIS_STATE_FILE];
    },
  };
}
