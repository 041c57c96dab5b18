import type { Hex } from "viem";

import type { POLICY_VERSION, RUNNER_ENVIRONMENTS } from "./constants";

/** Where a runner may run, as GitHub reports it in the OIDC `runner_environment` claim. */
export type RunnerEnvironment = (typeof RUNNER_ENVIRONMENTS)[number];

/** The identity a runner's GitHub OIDC token must show. Field names are the capsule's JSON names. */
export interface PolicyIdentity {
  /** OIDC `iss`, exact: an https URL without a trailing slash. */
  readonly issuer: string;
  /** OIDC `aud`, exact: `swarm:<chainId>:<market>:<gateway>`, lowercase hex. */
  readonly audience: string;
  /** OIDC `repository`: `owner/name`. */
  readonly repository: string;
  /** OIDC `repository_id`: a decimal string. */
  readonly repositoryId: string;
  /** OIDC `job_workflow_ref` without its `@ref`: `<repository>/.github/workflows/<file>.yml|.yaml`. */
  readonly jobWorkflowRef: string;
  /** Allowed OIDC `ref` values, matched exactly (no globs). */
  readonly refs: readonly string[];
  /** Allowed OIDC `event_name` values. */
  readonly eventNames: readonly string[];
  /** Allowed OIDC `runner_environment` values. */
  readonly runnerEnvironments: readonly RunnerEnvironment[];
  /** Whether OIDC `sha` must also equal the offer's commit (builder default: true). */
  readonly requireShaMatch: boolean;
  /** Whether a permit may leave the run unbound (runId = 0); must equal the offer's on-chain flag (builder default: false). */
  readonly allowUnboundRuns: boolean;
}

/** One egress rule. Every field is required; see docs/PROTOCOL.md for the grammar. */
export interface EgressRule {
  readonly effect: "allow" | "deny";
  readonly scheme: "https" | "http";
  /** A lowercase DNS name, or `*.` + one (matches one or more labels below the suffix, never the suffix). */
  readonly host: string;
  /** Decimal string, 1–65535. */
  readonly port: string;
  /** Uppercase HTTP method tokens, or exactly `["*"]` for any method. */
  readonly methods: readonly string[];
  /** A normalized absolute path; a request matches when its path starts with it. */
  readonly pathPrefix: string;
}

/** Network egress: default deny, and a matching deny rule wins over any allow rule. */
export interface PolicyEgress {
  readonly rules: readonly EgressRule[];
}

/** Step limits, as positive decimal strings. */
export interface PolicyLimits {
  /** Wall-clock seconds a step may run, ≤ 2592000 (30 days). */
  readonly maxSeconds: string;
  /** Bytes of state a step may write, ≤ 2^53 − 1. */
  readonly maxStateBytes: string;
}

/** A parsed, validated policy capsule (`policy.json`). Always complete: no field is optional. */
export interface PolicyCapsule {
  readonly version: typeof POLICY_VERSION;
  readonly identity: PolicyIdentity;
  readonly egress: PolicyEgress;
  readonly limits: PolicyLimits;
}

/** What buildPolicyCapsule takes: a capsule without `version`, with the two identity flags optional. */
export interface PolicyCapsuleInput {
  readonly identity: Omit<PolicyIdentity, "requireShaMatch" | "allowUnboundRuns"> & {
    readonly requireShaMatch?: boolean;
    readonly allowUnboundRuns?: boolean;
  };
  readonly egress: PolicyEgress;
  readonly limits: PolicyLimits;
}

/** A parsed capsule and the hash of the exact bytes it came from. */
export interface ParsedPolicyCapsule {
  readonly capsule: PolicyCapsule;
  /** sha256 of the capsule's JCS bytes, 0x-prefixed lowercase hex: the offer's `policyHash`. */
  readonly policyHash: Hex;
}

/** A built capsule: its JCS bytes (what is stored, sent and hashed), their hash, and the parsed form. */
export interface BuiltPolicyCapsule extends ParsedPolicyCapsule {
  readonly bytes: Uint8Array;
}

/** An outgoing request as the egress proxy sees it, before normalization. */
export interface EgressRequest {
  /** `https` or `http`, any case; without a trailing colon. */
  readonly scheme: string;
  /** A DNS name, any case; no port, no trailing dot, no IP literal. */
  readonly host: string;
  /** The explicit port (a decimal string or an integer): the proxy fills in 443/80, never the empty string. */
  readonly port: string | number;
  /** The HTTP method, uppercase (methods are case-sensitive). */
  readonly method: string;
  /** The request target's path, optionally followed by `?query`; never a fragment. */
  readonly path: string;
}

/** The outcome of an egress check. */
export type EgressDecision = "allow" | "deny";
