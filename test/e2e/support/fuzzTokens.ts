import type { KeyObject } from "node:crypto";

import type { MintOptions } from "../../../devnet/oidc/mint";
import type { FuzzRandom } from "./fuzzRandom";

/** How the fuzz test gets runner tokens: valid ones with a fresh jti, and crafted ones. */
export interface FuzzTokens {
  /** A valid token of the admitted run for this gateway's audience, with a new jti. */
  fresh(): string;
  /** A token signed as the issuer signs, with claims over the valid ones (`undefined` drops a claim). */
  mint(claims: Record<string, unknown>, options?: MintOptions): string;
  /** An RSA key that is not the issuer's. */
  attackerKey: KeyObject;
  audience: string;
  /** An audience of the same market for another gateway. */
  otherAudience: string;
}

/** An Authorization header value, and what was done to the token. */
export interface TokenMutation {
  label: string;
  authorization: string | undefined;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const unb64 = (s: string) => JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Record<string, unknown>;
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Up to 200 characters of RFC 6750's b64token alphabet (header-safe, may still look like a JWT). */
function randomB64Token(rng: FuzzRandom): string {
  const alphabet = [...`${B64URL}..~+/`];
  return Array.from({ length: 1 + rng.int(200) }, () => rng.pick(alphabet)).join("");
}

/** `part` with one base64url character changed, never the last (whose low bits may be unused). */
function flipChar(rng: FuzzRandom, part: string): string {
  const i = rng.int(Math.max(1, part.length - 1));
  const others = B64URL.replace(part[i]!, "");
  return `${part.slice(0, i)}${rng.pick([...others])}${part.slice(i + 1)}`;
}

/** Claims a validly signed token may not carry: each refused by a check after the signature. */
function refusedClaims(rng: FuzzRandom, t: FuzzTokens): [string, Record<string, unknown>] {
  const now = Math.floor(Date.now() / 1000);
  return rng.pick<[string, Record<string, unknown>]>([
    ["aud of another gateway", { aud: t.otherAudience }],
    ["aud as a list", { aud: [t.audience] }],
    ["aud with a trailing slash", { aud: `${t.audience}/` }],
    ["iss of GitHub", { iss: "https://token.actions.githubusercontent.com" }],
    ["expired", { exp: now - 600, iat: now - 900, nbf: now - 1200 }],
    ["not yet valid", { nbf: now + 600 }],
    ["issued in the future", { iat: now + 600 }],
    ["another repository", { repository: "octo-org/evil-repo" }],
    ["another repository id", { repository_id: "1" }],
    ["another job workflow", { job_workflow_ref: "octo-org/octo-repo/.github/workflows/evil.yml@refs/heads/main" }],
    ["a ref not allowed", { job_workflow_ref: "octo-org/octo-repo/.github/workflows/step.yml@refs/heads/dev" }],
    ["another job workflow sha", { job_workflow_sha: "0".repeat(40) }],
    ["another event", { event_name: "pull_request_target" }],
    ["a self-hosted runner", { runner_environment: "self-hosted" }],
    ["another run", { run_id: "27476101518" }],
    ["another attempt", { run_attempt: "2" }],
    ["no jti", { jti: undefined }],
    ["no run_id", { run_id: undefined }],
    ["no sub", { sub: undefined }],
    ["no exp", { exp: undefined }],
    ["run_id as a number", { run_id: 27476101517 }],
    ["exp as a string", { exp: String(now + 300) }],
    ["repository_id with a leading zero", { repository_id: "0632596897" }],
  ]);
}

/** A runner token the gateway must refuse, for a body that is otherwise valid. */
export function mutateToken(rng: FuzzRandom, t: FuzzTokens): TokenMutation {
  const valid = t.fresh();
  const [h, p, s] = valid.split(".") as [string, string, string];
  // Drawn three times as often: these tokens pass the signature and reach the identity and run checks.
  const validlySigned = (): TokenMutation => {
    const [label, claims] = refusedClaims(rng, t);
    return { label: `validly signed, ${label}`, authorization: `Bearer ${t.mint(claims)}` };
  };
  const kinds: (() => TokenMutation)[] = [
    () => ({ label: "no authorization", authorization: undefined }),
    () => ({ label: "empty bearer", authorization: "Bearer " }),
    () => ({ label: "basic scheme", authorization: `Basic ${Buffer.from(`x:${valid}`).toString("base64")}` }),
    () => ({ label: "two tokens", authorization: `Bearer ${valid} ${valid}` }),
    () => ({ label: "truncated", authorization: `Bearer ${valid.slice(0, rng.int(valid.length - 1) + 1)}` }),
    () => ({ label: "extended", authorization: `Bearer ${valid}${rng.pick(["A", ".", ".x", "=="])}` }),
    () => ({ label: "alg none", authorization: `Bearer ${t.mint({}, { alg: rng.pick(["none", "None", "NONE"]) })}` }),
    () => ({ label: "HS256 keyed with the public key", authorization: `Bearer ${t.mint({}, { alg: "HS256" })}` }),
    () => ({
      label: "another alg",
      authorization: `Bearer ${t.mint({}, { alg: rng.pick(["RS384", "PS256", "ES256", "EdDSA"]) })}`,
    }),
    () => ({ label: "signed by another key", authorization: `Bearer ${t.mint({}, { signingKey: t.attackerKey })}` }),
    () => {
      const [label, claims] = refusedClaims(rng, t);
      return {
        label: `payload edited (${label})`,
        authorization: `Bearer ${h}.${b64({ ...unb64(p), ...claims })}.${s}`,
      };
    },
    () => {
      const header = rng.pick([
        { kid: "unknown" },
        { jku: "http://127.0.0.1:1/jwks" },
        { typ: "at+jwt" },
        { alg: "RS256", crit: ["x"] },
      ]);
      return { label: "header edited", authorization: `Bearer ${b64({ ...unb64(h), ...header })}.${p}.${s}` };
    },
    () => ({ label: "signature changed", authorization: `Bearer ${h}.${p}.${flipChar(rng, s)}` }),
    () => ({ label: "signature removed", authorization: `Bearer ${h}.${p}.` }),
    validlySigned,
    validlySigned,
    validlySigned,
    () => ({ label: "unknown kid", authorization: `Bearer ${t.mint({}, { header: { kid: `k${rng.int(1e9)}` } })}` }),
    () => ({ label: "random b64token", authorization: `Bearer ${randomB64Token(rng)}` }),
  ];
  return rng.pick(kinds)();
}
