import { PERMIT_BITS, capsMutators, mutateBody, mutateDecimal, mutateMessage, stateKeyMutators } from "./fuzzBodies";
import { type FieldContext, mutateJwk, mutateSignature } from "./fuzzFields";
import type { FuzzRandom } from "./fuzzRandom";
import { type FuzzTokens, mutateToken } from "./fuzzTokens";
import { type JsonObject, jsonText, withField } from "./fuzzValues";

/** One request of the fuzz run. */
export interface FuzzRequest {
  /** What was done to it, for failure messages. */
  label: string;
  method: string;
  path: string;
  authorization?: string | undefined;
  /** Default `application/json` when there is a body; "" sends none. */
  contentType?: string;
  contentEncoding?: string;
  body?: string | Uint8Array;
  /** A mutated release request: any 2xx answer is a failure. */
  mustRefuse: boolean;
  /** Sent after this request's answer, on the same worker: a replay needs the first answer in. */
  followUp?: (first: { status: number; code: string | undefined }) => FuzzRequest | undefined;
}

/** The valid originals the fuzz run mutates; none of them is sent as is. */
export interface FuzzTargets {
  /** Valid POST /v1/caps bodies, one per target entitlement (step 1). */
  caps: JsonObject[];
  /** Valid POST /v1/state-keys bodies. */
  stateKeys: JsonObject[];
  /** Open sessions and a valid, unsent POST /v1/sessions/:id/permit body for each. */
  sessions: { id: string; attach: JsonObject }[];
  /** A valid POST /v1/sessions body. */
  openSession: JsonObject;
  tokens: FuzzTokens;
  fields: FieldContext;
}

const json = (label: string, path: string, body: string, authorization: string | undefined, mustRefuse: boolean) => ({
  label,
  method: "POST",
  path,
  authorization,
  body,
  mustRefuse,
});

function capsToken(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const { label, authorization } = mutateToken(rng, t.tokens);
  return json(`caps token: ${label}`, "/v1/caps", jsonText(rng.pick(t.caps)), authorization, true);
}

function capsBody(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const [label, text] = mutateBody(rng, rng.pick(t.caps), capsMutators(t.fields));
  return json(`caps body: ${label}`, "/v1/caps", text, `Bearer ${t.tokens.fresh()}`, true);
}

/** A token used once on a request refused after authentication, then replayed with the valid body. */
function capsReplay(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const original = rng.pick(t.caps);
  const bearer = `Bearer ${t.tokens.fresh()}`;
  const [, otherKey] = mutateJwk(rng, original.workerKey as JsonObject, t.fields);
  return {
    ...json("caps replay: first use", "/v1/caps", jsonText(withField(original, "workerKey", otherKey)), bearer, true),
    followUp: (first) =>
      first.status === 400 || first.status === 403
        ? json("caps replay: the valid body with a used token", "/v1/caps", jsonText(original), bearer, true)
        : undefined,
  };
}

function capsRaw(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const valid = jsonText(rng.pick(t.caps));
  const bearer = `Bearer ${t.tokens.fresh()}`;
  const base = { method: "POST", path: "/v1/caps", authorization: bearer, mustRefuse: true };
  return rng.pick<() => FuzzRequest>([
    () => ({ ...base, label: "caps raw: random bytes", body: rng.bytes(rng.int(2048)) }),
    () => ({
      ...base,
      label: "caps raw: invalid UTF-8",
      body: Buffer.concat([Buffer.from(valid.slice(0, -1)), Buffer.from([0xc3, 0x28, 0x7d])]),
    }),
    () => ({
      ...base,
      label: "caps raw: content type",
      body: valid,
      contentType: rng.pick([
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
        "application/jsonp",
        "",
      ]),
    }),
    () => ({
      ...base,
      label: "caps raw: content encoding",
      body: valid,
      contentEncoding: rng.pick(["gzip", "deflate", "br"]),
    }),
    () => ({ ...base, label: "caps raw: over the size limit", body: `${valid.slice(0, -1)}${" ".repeat(70_000)}}` }),
  ])();
}

function stateKeys(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const [label, text] = mutateBody(rng, rng.pick(t.stateKeys), stateKeyMutators(t.fields));
  return json(`state-keys: ${label}`, "/v1/state-keys", text, undefined, true);
}

function attach(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const session = rng.pick(t.sessions);
  const [label, text] = mutateBody(rng, session.attach, {
    permit: (r, v) => mutateMessage(r, v as JsonObject, PERMIT_BITS, "permit"),
    signature: (r, v) => mutateSignature(r, v as string),
  });
  return json(`attach: ${label}`, `/v1/sessions/${session.id}/permit`, text, undefined, true);
}

function openSession(rng: FuzzRandom, t: FuzzTargets): FuzzRequest {
  const [label, text] = mutateBody(rng, t.openSession, {
    entitlementId: (r, v) => mutateDecimal(r, v as string, 256, "entitlementId"),
    workerKey: (r, v) => mutateJwk(r, v as JsonObject, t.fields),
    policy: (r, v) => capsMutators(t.fields).policy!(r, v),
  });
  const authorization = rng.chance(0.7) ? `Bearer ${t.tokens.fresh()}` : mutateToken(rng, t.tokens).authorization;
  return json(`session: ${label}`, "/v1/sessions", text, authorization, false);
}

/** The request kinds and how often each is drawn (out of the sum of weights). */
export const FUZZ_KINDS: readonly [weight: number, make: (rng: FuzzRandom, t: FuzzTargets) => FuzzRequest][] = [
  [18, capsToken],
  [28, capsBody],
  [3, capsReplay],
  [4, capsRaw],
  [12, stateKeys],
  [6, openSession],
  [8, attach],
];
