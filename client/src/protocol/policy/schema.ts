import { z } from "zod";

import { POLICY_MAX_STATE_BYTES, POLICY_MAX_STEP_SECONDS, POLICY_VERSION, RUNNER_ENVIRONMENTS } from "./constants";
import {
  AUDIENCE,
  isEventName,
  isGitRef,
  isHostPattern,
  isIssuer,
  isJobWorkflowRef,
  isMethodToken,
  isNormalizedPath,
  isPortString,
  isPositiveDecimal,
  isRepository,
} from "./grammar";

/*
 * The capsule's strict schema. Every object is strict (an unknown field is an error), every field is required,
 * and every string is checked by one predicate with one message, so a failure reads "expected <message> at
 * <path>". Checks that relate fields to each other (duplicates, workflow in repository) are in semantics.ts.
 */

/** A string that satisfies `test`, described to the reader as `expected`. */
function text(expected: string, test: (s: string) => boolean) {
  return z.string({ error: expected }).refine(test, { error: expected });
}

/** A positive decimal string no greater than `max`. */
function decimal(max: bigint) {
  const expected = `a decimal string from 1 to ${max}`;
  return text(expected, (s) => isPositiveDecimal(s) && s.length <= 20 && BigInt(s) <= max);
}

/** A non-empty array of `item`s. */
function nonEmpty<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: `a non-empty array of ${what}` }).min(1, { error: `a non-empty array of ${what}` });
}

const methods = nonEmpty(
  text('an uppercase HTTP method token or "*"', (s) => s === "*" || isMethodToken(s)),
  "methods",
).refine((m) => !m.includes("*") || m.length === 1, { error: 'exactly ["*"] when "*" is used' });

/** One egress rule. */
export const egressRuleSchema = z.strictObject(
  {
    effect: z.enum(["allow", "deny"], { error: '"allow" or "deny"' }),
    scheme: z.enum(["https", "http"], { error: '"https" or "http"' }),
    host: text("a lowercase DNS name or *.<lowercase DNS name>", isHostPattern),
    port: text("a decimal port from 1 to 65535", isPortString),
    methods,
    pathPrefix: text("a normalized absolute path", isNormalizedPath),
  },
  { error: "an egress rule object" },
);

/** The egress rule list (may be empty: then everything is denied). */
export const egressRulesSchema = z.array(egressRuleSchema, { error: "an array of egress rules" });

const identitySchema = z.strictObject(
  {
    issuer: text("an https URL without a trailing slash", isIssuer),
    audience: text("swarm:<chainId>:0x<market>:0x<gateway> in lowercase hex", (s) => AUDIENCE.test(s)),
    repository: text("a GitHub repository owner/name", isRepository),
    repositoryId: text("a decimal string without leading zeros", (s) => isPositiveDecimal(s) && s.length <= 20),
    jobWorkflowRef: text("<owner>/<name>/.github/workflows/<file>.yml|.yaml without @ref", isJobWorkflowRef),
    refs: nonEmpty(text("a fully qualified git ref refs/…", isGitRef), "git refs"),
    eventNames: nonEmpty(text("a GitHub event name", isEventName), "event names"),
    runnerEnvironments: nonEmpty(
      z.enum(RUNNER_ENVIRONMENTS, { error: '"github-hosted" or "self-hosted"' }),
      "runner environments",
    ),
    requireShaMatch: z.boolean({ error: "a boolean" }),
    allowUnboundRuns: z.boolean({ error: "a boolean" }),
  },
  { error: "an identity object" },
);

const limitsSchema = z.strictObject(
  { maxSeconds: decimal(POLICY_MAX_STEP_SECONDS), maxStateBytes: decimal(POLICY_MAX_STATE_BYTES) },
  { error: "a limits object" },
);

/** The whole capsule. */
export const policyCapsuleSchema = z.strictObject(
  {
    version: z.literal(POLICY_VERSION, { error: `"${POLICY_VERSION}"` }),
    identity: identitySchema,
    egress: z.strictObject({ rules: egressRulesSchema }, { error: "an egress object" }),
    limits: limitsSchema,
  },
  { error: "a capsule object" },
);
