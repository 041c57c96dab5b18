import type { z } from "zod";

import { ProtocolError } from "../errors";
import { PolicyErrorCode } from "./codes";

const MAX_SHOWN = 80;

/** `identity.refs[0]`-style path of an issue, under `root`. */
export function formatPath(path: readonly PropertyKey[], root = ""): string {
  let out = root;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "the capsule" : out;
}

/** The value at `path` inside `input`, reading own properties only; undefined when absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A short, single-line rendering of a JSON value for an error message. */
export function describe(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown;
}

/**
 * The POLICY_SCHEMA_INVALID error for the first issue zod found, with the path it concerns and what it got.
 * `root` prefixes the path when the schema checked only part of a capsule (egress rules given on their own).
 */
export function schemaError(error: z.ZodError, input: unknown, root = ""): ProtocolError {
  const issue = error.issues[0]!;
  const path = formatPath(issue.path, root);
  let message: string;
  if (issue.code === "unrecognized_keys") {
    message = `expected only known fields in ${path}, got unknown field ${describe(issue.keys[0])}`;
  } else {
    const value = valueAt(input, issue.path);
    const got = value === undefined ? "nothing (missing field)" : describe(value);
    message = `expected ${issue.message} at ${path}, got ${got}`;
  }
  return new ProtocolError(PolicyErrorCode.SchemaInvalid, message, { cause: error });
}
