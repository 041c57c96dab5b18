import { type TrustMaterial, Verifier } from "@sigstore/verify";

import { loadTrustMaterial } from "../attest/trustedRoot";
import type { VerificationThresholds } from "../attest/verifySigstore";
import { ProtocolError } from "../protocol/errors";

/** Which Sigstore instance a pinned root belongs to: it fixes the thresholds a bundle must meet under it. */
export const INSTANCE_KINDS = ["public-good", "github", "custom"] as const;
/** public-good (tlog entry + SCT) | github (RFC 3161 timestamp, no tlog) | custom (thresholds given). */
export type InstanceKind = (typeof INSTANCE_KINDS)[number];

/** The thresholds of each known kind: public-good needs a Rekor entry and an SCT; GitHub's instance a TSA stamp. */
export const KIND_THRESHOLDS: Readonly<Record<Exclude<InstanceKind, "custom">, VerificationThresholds>> = {
  "public-good": { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 },
  github: { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
};

/** A trusted root as configured: its JSON (`trusted_root.json`), a name for reports, its kind. */
export interface PinnedRootInput {
  readonly name: string;
  readonly kind: InstanceKind;
  readonly trustedRoot: unknown;
  /** Required for `custom`; for the known kinds, only stricter thresholds are accepted. */
  readonly thresholds?: VerificationThresholds;
}

/** A loaded root: trust material parsed once, and one `@sigstore/verify` Verifier reused for every bundle. */
export interface PinnedRoot {
  readonly name: string;
  readonly kind: InstanceKind;
  readonly thresholds: VerificationThresholds;
  readonly material: TrustMaterial;
  readonly verifier: Verifier;
}

/** Every root a verifier trusts; empty means no Sigstore bundle can be verified (indeterminate). */
export interface PinnedTrust {
  readonly roots: readonly PinnedRoot[];
}

/** Code of an unusable trust configuration. */
export const TRUST_CONFIG_INVALID = "VERIFY_TRUST_CONFIG_INVALID";

function thresholdsOf(input: PinnedRootInput): VerificationThresholds {
  if (input.kind === "custom") {
    if (input.thresholds === undefined) {
      throw new ProtocolError(TRUST_CONFIG_INVALID, `expected thresholds for the custom root ${input.name}`);
    }
    return input.thresholds;
  }
  const base = KIND_THRESHOLDS[input.kind];
  const t = input.thresholds ?? base;
  const weaker =
    t.tlogThreshold < base.tlogThreshold ||
    t.ctlogThreshold < base.ctlogThreshold ||
    t.timestampThreshold < base.timestampThreshold;
  if (weaker) throw new ProtocolError(TRUST_CONFIG_INVALID, `expected thresholds no weaker than ${input.kind}'s`);
  return t;
}

/**
 * Every key and authority of a root must say from when it is valid: `@sigstore/verify` reads a missing start as
 * "always", which would let an entry signed before the key existed verify (conformance
 * trust-root-tlog-missing-validity-start_fail).
 */
function requireValidityStarts(name: string, root: unknown): void {
  const r = (root ?? {}) as Record<string, unknown>;
  const list = (key: string): Record<string, unknown>[] => (Array.isArray(r[key]) ? (r[key] as never[]) : []);
  const starts = [
    ...list("tlogs").map((t) => (t.publicKey as { validFor?: { start?: unknown } } | undefined)?.validFor?.start),
    ...list("ctlogs").map((t) => (t.publicKey as { validFor?: { start?: unknown } } | undefined)?.validFor?.start),
    ...list("certificateAuthorities").map((c) => (c.validFor as { start?: unknown } | undefined)?.start),
    ...list("timestampAuthorities").map((c) => (c.validFor as { start?: unknown } | undefined)?.start),
  ];
  if (starts.some((s) => typeof s !== "string" || s === "")) {
    throw new ProtocolError(TRUST_CONFIG_INVALID, `every key and authority of ${name} needs a validFor.start`);
  }
}

/** Loads pinned roots once, offline (no TUF): trust material and a Verifier per root. */
export function pinTrustRoots(inputs: readonly PinnedRootInput[]): PinnedTrust {
  const roots = inputs.map((input) => {
    const thresholds = thresholdsOf(input);
    if (thresholds.timestampThreshold < 1) {
      throw new ProtocolError(TRUST_CONFIG_INVALID, `expected at least one verified timestamp for ${input.name}`);
    }
    requireValidityStarts(input.name, input.trustedRoot);
    const material = loadTrustMaterial(input.trustedRoot);
    return { name: input.name, kind: input.kind, thresholds, material, verifier: new Verifier(material, thresholds) };
  });
  return { roots };
}

/**
 * The roots a bundle is checked under, by its shape: a bundle with a transparency-log entry goes to roots that
 * require one, a bundle without to roots that do not. Shape only routes; each root's thresholds still apply.
 */
export function rootsForBundle(trust: PinnedTrust, hasTlog: boolean): PinnedRoot[] {
  return trust.roots.filter((r) => r.thresholds.tlogThreshold > 0 === hasTlog);
}
