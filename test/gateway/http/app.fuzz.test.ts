import { expect } from "chai";
import { type TestGateway, call, rawRequest, startTestGateway } from "./harness";
import { servicesDouble } from "./servicesDouble";

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed_2026;
const REQUESTS = 2000;
const CONCURRENCY = 16;
const BODY_LIMIT = 4096;

const ROUTES: readonly [string, string][] = [
  ["POST", "/v1/sessions"],
  ["GET", "/v1/sessions"],
  ["POST", "/v1/sessions/:id/permit"],
  ["GET", "/v1/sessions/:id/permit"],
  ["POST", "/v1/caps"],
  ["POST", "/v1/state-keys"],
  ["GET", "/v1/receipts/:seq"],
  ["GET", "/v1/receipts"],
  ["GET", "/v1/sessions?entitlementId=7"],
  ["GET", "/v1/receipts?from=1&to=3"],
  ["GET", "/v1/checkpoint"],
  ["GET", "/.well-known/swarm-gateway.json"],
  ["GET", "/healthz"],
  ["GET", "/readyz"],
  ["GET", "/metrics"],
  ["GET", "/openapi.json"],
];
/** The query parameter names the path mutation adds (first) and repeats (second). */
const QUERY_KEYS = {
  first: ["entitlementId", "from", "to", "x", "entitlementId[]", "__proto__", "constructor"],
  second: ["to", "from", "entitlementId"],
};
/**
 * The transparency routes, fuzzed by a second stream (its own seed) so the first stream's sequence stays as it
 * was: their queries (exactly two canonical uint64 decimals) must be refused with a 4xx, never a 5xx.
 */
const PROOF_SEED = 0x5eed_0009;
const PROOF_REQUESTS = 600;
const PROOF_ROUTES: readonly [string, string][] = [
  ["GET", "/v1/checkpoint"],
  ["GET", "/v1/proofs/inclusion"],
  ["GET", "/v1/proofs/inclusion?seq=1&treeSize=3"],
  ["GET", "/v1/proofs/inclusion?seq=:n&treeSize=:n"],
  ["GET", "/v1/proofs/consistency"],
  ["GET", "/v1/proofs/consistency?from=1&to=3"],
  ["GET", "/v1/proofs/consistency?from=:n&to=:n"],
];
const PROOF_QUERY_KEYS = {
  first: ["seq", "treeSize", "from", "to", "seq[]", "treeSize[a]", "__proto__", "x"],
  second: ["seq", "treeSize", "from", "to"],
};
const METHODS = ["GET", "POST", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "get"];
const CONTENT_TYPES = [
  "application/json",
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/JSON;charset=UTF-8",
  "text/plain",
  "application/json; charset=utf-16",
  "",
  "application/x-www-form-urlencoded",
];

/** A request generator over one PRNG: every choice below is replayable from the seed. */
function generator(rand: () => number, routes = ROUTES, keys = QUERY_KEYS) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (n: number) => Math.floor(rand() * n);
  const unicode = () =>
    pick(["é", "\u{1F600}", "\u0000", "\u202e", "\ud800", "\\ud800", "\\u0000", "𝔘𝔫𝔦", "\u2028", "\uffff"]);
  const text = (): string =>
    Array.from({ length: int(12) }, () => (rand() < 0.3 ? unicode() : pick(["a", "0", "-", "_", " ", '"', "\\"]))).join(
      "",
    );

  const jsonValue = (depth: number): unknown => {
    const r = rand();
    if (depth <= 0 || r < 0.3)
      return pick([null, true, 0, -1, 1e308, 2 ** 53 + 1, text(), "9".repeat(400), "0x" + "ab".repeat(32)]);
    if (r < 0.6) return Array.from({ length: int(4) }, () => jsonValue(depth - 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < int(5); i++)
      o[pick(["permit", "signature", "jwe", "workerKey", "policy", "runId", text()])] = jsonValue(depth - 1);
    return o;
  };

  const body = (): Buffer => {
    const r = rand();
    if (r < 0.3) return Buffer.from(JSON.stringify({ permit: jsonValue(3), signature: jsonValue(1) }));
    if (r < 0.4) return Buffer.from(JSON.stringify(jsonValue(4)));
    if (r < 0.5) return Buffer.from(`${"[".repeat(int(500))}${"]".repeat(int(500))}`);
    if (r < 0.55) return Buffer.from(`{"n":1${"0".repeat(int(2000))}e99999}`);
    if (r < 0.65) return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
    if (r < 0.7) return Buffer.from(JSON.stringify({ a: "x".repeat(BODY_LIMIT + int(2000)) }));
    if (r < 0.8) return Buffer.from(JSON.stringify(jsonValue(3)).slice(0, int(40)));
    if (r < 0.85) return Buffer.from('{"__proto__":{"polluted":true}}');
    return Buffer.alloc(0);
  };

  const segment = (): string =>
    pick([
      "sess_01",
      "1",
      "0",
      "01",
      "-1",
      "%ff",
      "%zz",
      "%00",
      "..",
      "a%2Fb",
      "x".repeat(200),
      "18446744073709551616",
      "é",
      "%E2%82%AC",
      text(),
    ]);

  const path = (template: string): Buffer => {
    let p = template.replace(/:[a-z]+/g, () => segment());
    const m = rand();
    if (m < 0.1) p += "/";
    else if (m < 0.2) p += `/${segment()}`;
    else if (m < 0.25) p = p.toUpperCase();
    else if (m < 0.3) p = p.replace("/", "//");
    if (rand() < (p.includes("?") ? 0 : 0.35)) {
      const key = pick(keys.first);
      p += `?${key}=${pick(["1", "01", "", "-5", "1e3", "0x1", "9".repeat(100), segment()])}`;
      if (rand() < 0.3) p += `&${pick(keys.second)}=${int(100)}`;
    }
    const bytes = Buffer.from(p, "utf8");
    if (rand() < 0.03) return Buffer.concat([bytes, Buffer.from([0x80 + int(128)])]);
    return Buffer.from(
      bytes.toString("latin1").replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
      "latin1",
    );
  };

  const headers = (): string[] => {
    const out: string[] = [];
    if (rand() < 0.85) out.push(`Content-Type: ${pick(CONTENT_TYPES)}`);
    if (rand() < 0.5)
      out.push(
        `Authorization: ${pick(["Bearer ", "bearer ", "Basic ", "", "Bearer  "])}${pick(["abc.def.ghi", "", "x y", text()])}`,
      );
    if (rand() < 0.05) out.push(`Content-Encoding: ${pick(["gzip", "identity", "br"])}`);
    if (rand() < 0.2) out.push(`X-${text().replace(/[^A-Za-z0-9-]/g, "") || "A"}: ${text().replace(/[\r\n]/g, "")}`);
    if (rand() < 0.05) out.push(`X-Big: ${"a".repeat(20_000)}`);
    if (rand() < 0.02) out.push("Bad Header Name: x");
    if (rand() < 0.05) out.push(`X-Forwarded-For: ${pick(["1.2.3.4", "::1", "garbage"])}`);
    return out;
  };

  /** One whole request as bytes: always framed correctly, always asking to close the connection. */
  return (): { bytes: Buffer; oversize: boolean } => {
    const [routeMethod, template] = pick(routes);
    const method = rand() < 0.6 ? routeMethod : pick(METHODS);
    const payload = method === "GET" || method === "HEAD" ? (rand() < 0.1 ? body() : Buffer.alloc(0)) : body();
    const head = [`${method} `, path(template).toString("latin1"), " HTTP/1.1", "\r\n", "Host: 127.0.0.1\r\n"];
    for (const h of headers()) head.push(`${h}\r\n`);
    head.push(`Content-Length: ${payload.length}\r\n`, "Connection: close\r\n\r\n");
    return {
      bytes: Buffer.concat([Buffer.from(head.join(""), "latin1"), payload]),
      oversize: payload.length > BODY_LIMIT,
    };
  };
}

describe("gateway/http fuzz", function () {
  this.timeout(60_000);
  let gw: TestGateway;
  before(async () => {
    // The proof routes answer only when the services publish proofs: give the double some, so the fuzz's
    // queries reach their parsing instead of stopping at 404 NOT_FOUND.
    const double = servicesDouble();
    const hash = Buffer.alloc(32, 7).toString("base64");
    double.services.inclusionProof = async (seq, treeSize) => {
      double.calls.push({ method: "inclusionProof", args: [seq, treeSize] });
      return { seq, treeSize, leafHash: hash, proof: [hash] };
    };
    double.services.consistencyProof = async (from, to) => {
      double.calls.push({ method: "consistencyProof", args: [from, to] });
      return { from, to, proof: [hash] };
    };
    gw = await startTestGateway({
      double,
      http: { bodyLimitBytes: BODY_LIMIT, rateLimit: { ratePerSecond: 1e6, burst: 1e6 } },
      server: { maxHeaderBytes: 16_384 },
    });
  });
  after(() => gw.close());

  it(`answers ${REQUESTS + PROOF_REQUESTS} random and mutated requests without a single 5xx, and stays up`, async () => {
    const next = generator(prng(SEED));
    const nextProof = generator(prng(PROOF_SEED), PROOF_ROUTES, PROOF_QUERY_KEYS);
    const requests = [...Array.from({ length: REQUESTS }, next), ...Array.from({ length: PROOF_REQUESTS }, nextProof)];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < requests.length; i += CONCURRENCY) {
      const batch = requests.slice(i, i + CONCURRENCY);
      const answers = await Promise.all(batch.map((r) => rawRequest(gw.url, r.bytes)));
      answers.forEach((answer, j) => {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const unanswered = answer.status === 0 && !batch[j]!.oversize;
        if (answer.status >= 500 || unanswered) {
          failures.push(`#${i + j} → ${answer.status}: ${batch[j]!.bytes.subarray(0, 200).toString("latin1")}`);
        }
      });
    }
    expect(failures, failures.slice(0, 5).join("\n")).to.deep.equal([]);
    for (const status of [200, 400, 404, 405, 413, 415, 431]) {
      expect(statuses.get(status) ?? 0, `the fuzz reached status ${status}`).to.be.greaterThan(0);
    }
    expect((await call(gw, "GET", "/healthz")).status).to.equal(200);
    expect(gw.double.calls.length, "some requests reached the services").to.be.greaterThan(50);
    for (const method of ["inclusionProof", "consistencyProof"]) {
      const reached = gw.double.calls.filter((c) => c.method === method).length;
      expect(reached, `some queries passed the parsing of ${method}`).to.be.greaterThan(0);
    }
  });
});
