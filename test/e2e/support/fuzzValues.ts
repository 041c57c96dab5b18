import type { FuzzRandom } from "./fuzzRandom";

/** A JSON object as the fuzz test edits it. */
export type JsonObject = Record<string, unknown>;

/** JSON text spliced in as is (duplicate members cannot be built as objects). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `v`, with any `RawJson` inside written verbatim; `undefined` members are left out. */
export function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const members = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{${members.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** A value nested `depth` arrays or objects deep. */
export function nested(depth: number, leaf: unknown, asObject: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

/** A canonical decimal below 2^bits that differs from `original` (a well-formed value the checks must refuse). */
export function differentDecimal(rng: FuzzRandom, original: string, bits: number): string {
  const max = (1n << BigInt(bits)) - 1n;
  const o = BigInt(original);
  const candidates = [o + 1n, o - 1n, 0n, 1n, 2n, max, o * 2n + 7n, BigInt(rng.int(1_000_000))];
  const ok = candidates.filter((c) => c >= 0n && c <= max && c !== o);
  return rng.pick(ok).toString();
}

/** Lowercase hex differing from `original` in exactly one nibble (never the prefix). */
export function differentHex(rng: FuzzRandom, original: string): string {
  const i = 2 + rng.int(original.length - 2);
  const nibble = parseInt(original[i]!, 16) ^ (1 + rng.int(15));
  return `${original.slice(0, i)}${nibble.toString(16)}${original.slice(i + 1)}`;
}

/** Values of the wrong JSON type for a field holding `original`. */
export function typeSwapped(rng: FuzzRandom, original: unknown): unknown {
  const text = typeof original === "string" ? original : (JSON.stringify(original) ?? "x");
  const numeric = Number(text);
  return rng.pick([
    null,
    true,
    false,
    0,
    -1,
    Number.isFinite(numeric) ? numeric : 1,
    [],
    {},
    [original],
    { value: original },
    text.length,
  ]);
}

/** Non-canonical spellings of a decimal string: each must be refused, never read as the same number. */
export function malformedDecimal(rng: FuzzRandom, original: string, bits: number): unknown {
  return rng.pick([
    `0${original}`,
    `-${original}`,
    ` ${original}`,
    `${original} `,
    `${original}.0`,
    `+${original}`,
    `${original}e0`,
    `0x${BigInt(original).toString(16)}`,
    "",
    original.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
    (1n << BigInt(bits)).toString(),
    `${original}\u0000`,
    Number(original),
  ]);
}

/** Non-canonical spellings of a 0x-hex string: each must be refused. */
export function malformedHex(rng: FuzzRandom, original: string): unknown {
  const body = original.slice(2);
  return rng.pick([
    `0X${body}`,
    body,
    /[a-f]/.test(body) ? `0x${body.toUpperCase()}` : `0X${body}`,
    `0x${body.slice(1)}`,
    `0x${body}0`,
    `0x${body}00`,
    `0x${body.slice(0, -1)}g`,
    `0x ${body.slice(1)}`,
    "0x",
  ]);
}

/** A huge or deeply nested value, to probe size and recursion limits. */
export function hostileValue(rng: FuzzRandom): unknown {
  return rng.pick([
    () => "A".repeat(1024 * (1 + rng.int(60))),
    () => "\u00e9".repeat(20_000),
    () => nested(5 + rng.int(25), "x", rng.chance(0.5)),
    () => Array.from({ length: 5_000 }, (_, i) => i),
    () => Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i])),
    () => rng.json(4),
  ])();
}

/** A copy of `o` with `key` set to `value` (added if absent). */
export function withField(o: JsonObject, key: string, value: unknown): JsonObject {
  return { ...o, [key]: value };
}

/** A copy of `o` without `key`. */
export function withoutField(o: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));
}

/**
 * JSON text of `o` with `key` written twice, `first` then `last`. Callers pass two mutated values, so whichever
 * member a parser keeps (JSON.parse keeps the last), the request is not the valid original.
 */
export function duplicateKeyText(o: JsonObject, key: string, first: unknown, last: unknown): string {
  const rest = jsonText(withoutField(o, key)).slice(1, -1);
  const dup = `${JSON.stringify(key)}:${jsonText(first)},${JSON.stringify(key)}:${jsonText(last)}`;
  return `{${dup}${rest.length > 0 ? `,${rest}` : ""}}`;
}
