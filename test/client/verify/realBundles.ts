import path from "node:path";

import { isProtocolError } from "../../../client/src/protocol/errors";
import {
  type BundleProfile,
  type ExpectedIdentity,
  type ExpectedSubject,
  type PinnedRootInput,
  leafIdentity,
  parseSigstoreBundle,
  pinTrustRoots,
  readStatement,
  verifyIdentity,
  verifyPredicateType,
  verifySigstoreSignature,
  verifySubject,
} from "../../../client/src/verify";
import { readText } from "../../support/fixtures";

/** What the layers of a real bundle are checked against. */
export interface LayerExpectation {
  readonly roots: readonly PinnedRootInput[];
  /** Default the step verifier's (v0.3 DSSE attestations only). */
  readonly profile?: BundleProfile;
  readonly predicateTypes?: readonly string[];
  readonly subject?: ExpectedSubject;
  readonly identity?: ExpectedIdentity;
}

/** The outcome of the layers: passed, or the code of the first failing layer. */
export type LayerOutcome = { ok: true } | { ok: false; code: string; message: string };

/** A fixture bundle's JSON: a `.jsonl` file's `line` (default the first), else the whole file. */
export function fixtureBundle(dir: string, file: string, line = 0): unknown {
  const text = readText(dir, file);
  return JSON.parse(file.endsWith(".jsonl") ? text.split("\n").filter((l) => l.trim() !== "")[line]! : text);
}

/** A trusted root fixture's JSON. */
export function fixtureRoot(dir: string, file: string): unknown {
  return JSON.parse(readText(dir, file));
}

/** A pinned root input of `kind` from a fixture file. */
export function rootInput(dir: string, file: string, kind: PinnedRootInput["kind"]): PinnedRootInput {
  return { name: path.basename(file), kind, trustedRoot: fixtureRoot(dir, file) };
}

/** Runs the Sigstore, statement and identity layers of `client/src/verify` on a bundle. */
export function runLayers(bundleJson: unknown, expected: LayerExpectation): LayerOutcome {
  try {
    const parsed = parseSigstoreBundle(bundleJson, expected.profile);
    const { signer } = verifySigstoreSignature(parsed, pinTrustRoots(expected.roots));
    if (expected.predicateTypes || expected.subject) {
      const statement = readStatement(parsed.bundle);
      if (expected.predicateTypes) verifyPredicateType(statement, expected.predicateTypes);
      if (expected.subject) verifySubject(statement, expected.subject);
    }
    if (expected.identity) verifyIdentity(leafIdentity(signer), expected.identity);
    return { ok: true };
  } catch (err) {
    if (isProtocolError(err)) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
