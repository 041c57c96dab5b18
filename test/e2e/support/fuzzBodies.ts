import { type FieldContext, type Mutated, mutateJwk, mutatePolicy, mutateSignature } from "./fuzzFields";
import type { FuzzRandom } from "./fuzzRandom";
import {
  type JsonObject,
  RawJson,
  differentDecimal,
  differentHex,
  duplicateKeyText,
  hostileValue,
  jsonText,
  malformedDecimal,
  malformedHex,
  nested,
  typeSwapped,
  withField,
  withoutField,
} from "./fuzzValues";

/** Bit widths of the integer fields of a StepPermit or StateKeyRequest (all others are 0x-hex). */
export const PERMIT_BITS: Record<string, number> = {
  entitlementId: 256,
  step: 32,
  fromStep: 32,
  runId: 64,
  runAttempt: 32,
  deadline: 64,
};
export const STATE_KEY_BITS: Record<string, number> = { entitlementId: 256, fromStep: 32, toStep: 32, deadline: 64 };

/** A typed message (permit or state-key request) with one field changed, broken, dropped, added or doubled. */
export function mutateMessage(rng: FuzzRandom, msg: JsonObject, bits: Record<string, number>, name: string): Mutated {
  const key = rng.pick(Object.keys(msg));
  const value = msg[key] as string;
  const width = bits[key];
  const changed = () => (width === undefined ? differentHex(rng, value) : differentDecimal(rng, value, width));
  const broken = () => (width === undefined ? malformedHex(rng, value) : malformedDecimal(rng, value, width));
  return rng.pick<() => Mutated>([
    () => [`${name}.${key} changed`, withField(msg, key, changed())],
    () => [`${name}.${key} changed`, withField(msg, key, changed())],
    () => [`${name}.${key} malformed`, withField(msg, key, broken())],
    () => [`${name}.${key} wrong type`, withField(msg, key, typeSwapped(rng, value))],
    () => [`${name}.${key} dropped`, withoutField(msg, key)],
    () => [
      `${name}: extra member`,
      withField(msg, rng.pick(["chainId", "market", "nonce", "__proto__", "constructor"]), "1"),
    ],
    () => [`${name}.${key} doubled`, new RawJson(duplicateKeyText(msg, key, changed(), broken()))],
    () => [`${name}.${key} hostile`, withField(msg, key, hostileValue(rng))],
    () => [`${name} replaced`, rng.pick([null, [], "x", rng.json(3), nested(20, msg, false)])],
  ])();
}

/** A decimal string member changed to another number, spelled non-canonically, or of the wrong type. */
export function mutateDecimal(rng: FuzzRandom, value: string, bits: number, name: string): Mutated {
  return rng.pick<() => Mutated>([
    () => [`${name} changed`, differentDecimal(rng, value, bits)],
    () => [`${name} malformed`, malformedDecimal(rng, value, bits)],
    () => [`${name} wrong type`, typeSwapped(rng, value)],
    () => [`${name} hostile`, hostileValue(rng)],
  ])();
}

/** Mutates the value of one member of a request body, by its role. */
export type MemberMutator = (rng: FuzzRandom, value: unknown) => Mutated;

/** The mutators of the caps request's members. */
export function capsMutators(ctx: FieldContext): Record<string, MemberMutator> {
  return {
    permit: (rng, v) => mutateMessage(rng, v as JsonObject, PERMIT_BITS, "permit"),
    signature: (rng, v) => mutateSignature(rng, v as string),
    workerKey: (rng, v) => mutateJwk(rng, v as JsonObject, ctx),
    policy: (rng, v) => mutatePolicy(rng, v as JsonObject, ctx),
  };
}

/** The mutators of the state-key request's members. */
export function stateKeyMutators(ctx: FieldContext): Record<string, MemberMutator> {
  return {
    request: (rng, v) => mutateMessage(rng, v as JsonObject, STATE_KEY_BITS, "request"),
    signature: (rng, v) => mutateSignature(rng, v as string),
    recipientJwk: (rng, v) => mutateJwk(rng, v as JsonObject, ctx),
  };
}

/** A request body with one thing wrong: a member mutated by its role, or the body's own shape broken. */
export function mutateBody(
  rng: FuzzRandom,
  body: JsonObject,
  mutators: Record<string, MemberMutator>,
): [string, string] {
  const key = rng.pick(Object.keys(mutators));
  const mutate = () => mutators[key]!(rng, body[key]);
  if (rng.chance(0.8)) {
    const [label, value] = mutate();
    return [label, jsonText(withField(body, key, value))];
  }
  return rng.pick<() => [string, string]>([
    () => [`${key} dropped`, jsonText(withoutField(body, key))],
    () => [
      "extra member",
      jsonText(withField(body, rng.pick(["extra", "__proto__", "constructor", "jwe"]), rng.json(2))),
    ],
    () => {
      const [[first, a], [last, b]] = [mutate(), mutate()];
      return [`${key} doubled (${first}; ${last})`, duplicateKeyText(body, key, a, b)];
    },
    () => ["body as an array", jsonText([body])],
    () => ["body nested too deep", jsonText(nested(40, body, rng.chance(0.5)))],
    () => ["body truncated", jsonText(body).slice(0, rng.int(jsonText(body).length))],
  ])();
}
