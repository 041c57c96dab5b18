import { Agent, request } from "node:http";

import type { FuzzRequest } from "./fuzzRequests";

/** What the fuzz run saw. */
export interface FuzzReport {
  sent: number;
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Refusals by error code. */
  codes: Map<string, number>;
  /** Every broken expectation, with the request's label. */
  failures: string[];
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

/** The error code of a refusal's body, or a description of how the body breaks `{ error: { code, message } }`. */
export function errorCodeOf(text: string): { code: string } | { broken: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { broken: `not JSON: ${text.slice(0, 80)}` };
  }
  const error = (body as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
  const keys = (o: unknown) => (typeof o === "object" && o !== null ? Object.keys(o).sort().join(",") : "");
  if (keys(body) !== "error" || keys(error) !== "code,message") return { broken: `shape ${text.slice(0, 80)}` };
  if (typeof error!.code !== "string" || !ERROR_CODE.test(error!.code) || typeof error!.message !== "string") {
    return { broken: `types ${text.slice(0, 80)}` };
  }
  return { code: error!.code };
}

/** One HTTP exchange over `agent`; rejects when no answer comes back (reset, timeout). */
function exchange(agent: Agent, baseUrl: string, r: FuzzRequest): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (r.authorization !== undefined) headers.authorization = r.authorization;
  if (r.body !== undefined && r.contentType !== "") headers["content-type"] = r.contentType ?? "application/json";
  if (r.contentEncoding !== undefined) headers["content-encoding"] = r.contentEncoding;
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${r.path}`, { method: r.method, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(r.body);
  });
}

async function sendOne(agent: Agent, baseUrl: string, r: FuzzRequest, report: FuzzReport): Promise<void> {
  let status: number;
  let text: string;
  try {
    ({ status, text } = await exchange(agent, baseUrl, r));
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    report.failures.push(`${r.label}: no answer (${code ?? message ?? "?"})`);
    return;
  }
  report.sent++;
  report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
  if (status >= 500 && status !== 503) report.failures.push(`${r.label}: ${status} ${text.slice(0, 120)}`);
  if (r.mustRefuse && status < 300) report.failures.push(`${r.label}: RELEASED with ${status}`);
  let code: string | undefined;
  if (status >= 400) {
    const parsed = errorCodeOf(text);
    if ("broken" in parsed) report.failures.push(`${r.label}: ${status} error body ${parsed.broken}`);
    else {
      code = parsed.code;
      report.codes.set(code, (report.codes.get(code) ?? 0) + 1);
    }
  }
  const next = r.followUp?.({ status, code });
  if (next !== undefined) await sendOne(agent, baseUrl, next, report);
}

/**
 * Sends `requests` with `concurrency` in flight, checking every answer; never throws on a bad answer. One
 * keep-alive socket per worker: no socket sits idle long enough to meet the server's keep-alive timeout, a
 * client-side race (a request written as the server closes the idle socket) that would read as a reset.
 */
export async function sendFuzz(
  baseUrl: string,
  requests: readonly FuzzRequest[],
  concurrency: number,
): Promise<FuzzReport> {
  const report: FuzzReport = { sent: 0, statuses: new Map(), codes: new Map(), failures: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < requests.length) await sendOne(agent, baseUrl, requests[next++]!, report);
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return report;
}
