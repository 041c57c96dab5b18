import type { FuzzRandom } from "./fuzzRandom";
import type { FuzzRequest, FuzzTargets } from "./fuzzRequests";
import { mutateToken } from "./fuzzTokens";

/** Path segments and query values: canonical, non-canonical, hostile, and broken percent-encodings. */
function segment(rng: FuzzRandom): string {
  return rng.pick<() => string>([
    () => String(rng.int(10)),
    () => String(rng.int(1_000_000_000)),
    () => "18446744073709551616",
    () => "9".repeat(rng.int(120) + 1),
    () => rng.pick(["-1", "01", "1.5", "1e3", "0x10", "%31", "%ZZ", "%", "%c3%28", "%00", "..", "%2e%2e", "%2F"]),
    () => encodeURIComponent(rng.text(40)),
    () => "A".repeat(rng.int(200) + 1),
  ])();
}

function query(rng: FuzzRandom, names: readonly string[]): string {
  const parts = names.filter(() => rng.chance(0.8)).map((n) => `${n}=${segment(rng)}`);
  if (rng.chance(0.2)) parts.push(`${rng.pick(names)}=${segment(rng)}`); // repeated
  if (rng.chance(0.15))
    parts.push(`${rng.pick([...names, "x", "__proto__", "from[]", "to[a]", "seq[]"])}=${segment(rng)}`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

/** A GET of one of the read routes, with random parameters. */
export function readRoute(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const sessionId = () => (rng.chance(0.3) ? rng.pick(t.sessions).id : segment(rng));
  const path = rng.pick<() => string>([
    () => `/v1/sessions${query(rng, ["entitlementId"])}`,
    () => `/v1/sessions/${sessionId()}/permit`,
    () => `/v1/receipts${query(rng, ["from", "to"])}`,
    () => `/v1/receipts/${segment(rng)}`,
    () => "/v1/checkpoint",
    () => `/v1/checkpoint${query(rng, ["treeSize"])}`,
    () => `/v1/proofs/inclusion${query(rng, ["seq", "treeSize"])}`,
    () => `/v1/proofs/consistency${query(rng, ["from", "to"])}`,
    () => "/.well-known/swarm-gateway.json",
    () => "/healthz",
    () => "/openapi.json",
  ])();
  return { label: `read: ${path.slice(0, 60)}`, method: "GET", path, mustRefuse: false };
}

const ROUTES = [
  "/v1/sessions",
  "/v1/sessions/{id}/permit",
  "/v1/caps",
  "/v1/state-keys",
  "/v1/receipts",
  "/v1/receipts/{id}",
  "/v1/checkpoint",
  "/v1/proofs/inclusion",
  "/v1/proofs/consistency",
  "/.well-known/swarm-gateway.json",
  "/healthz",
  "/metrics",
  "/v1",
  "/v1/",
  "/v1/caps/",
  "/V1/CAPS",
  "/v2/caps",
];
const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data", ""];

/** Any route, any method, random headers and a random body: random JSON, random bytes, or nothing. */
export function randomRequest(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const method = rng.pick(["GET", "POST", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
  const path = rng.pick(ROUTES).replace("{id}", rng.chance(0.3) ? rng.pick(t.sessions).id : segment(rng));
  const body =
    method === "GET" || rng.chance(0.1)
      ? undefined
      : rng.pick<() => string | Uint8Array>([
          () => JSON.stringify(rng.json(5)),
          () => JSON.stringify(Object.fromEntries(Object.keys(t.caps[0]!).map((k) => [k, rng.json(3)]))),
          () => rng.bytes(rng.int(4096)),
          () => `\ufeff${JSON.stringify(rng.json(2))}`,
          () => rng.text(200),
        ])();
  const authorization = rng.pick<() => string | undefined>([
    () => undefined,
    () => `Bearer ${t.tokens.fresh()}`,
    () => mutateToken(rng, t.tokens).authorization,
  ])();
  const releases = method === "POST" && (path === "/v1/caps" || path === "/v1/state-keys");
  return {
    label: `random: ${method} ${path.slice(0, 60)}`,
    method,
    path,
    authorization,
    ...(body === undefined ? {} : { body, contentType: rng.pick(CONTENT_TYPES) }),
    mustRefuse: releases,
  };
}
