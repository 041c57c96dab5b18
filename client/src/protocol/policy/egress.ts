import { egressRulesSchema } from "./schema";
import { schemaError } from "./schemaError";
import { type NormalizedEgressRequest, normalizeEgressRequest } from "./egressRequest";
import type { EgressDecision, EgressRequest, EgressRule } from "./types";

/** Whether a rule's host pattern covers `host`: exact, or `*.suffix` for one or more labels below the suffix. */
export function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return host === pattern;
  const suffix = pattern.slice(1); // ".example.com": the bare suffix never matches, a label must precede it
  return host.length > suffix.length && host.endsWith(suffix);
}

/** Whether `rule` covers the normalized `request` (scheme, host, port, method and path prefix all match). */
export function ruleMatches(rule: EgressRule, request: NormalizedEgressRequest): boolean {
  return (
    rule.scheme === request.scheme &&
    hostMatches(rule.host, request.host) &&
    rule.port === request.port &&
    (rule.methods[0] === "*" || rule.methods.includes(request.method)) &&
    request.path.startsWith(rule.pathPrefix)
  );
}

/**
 * Decides one outgoing request: default deny, and any matching deny rule wins over every allow rule. A request
 * that is not in normalized form is denied outright. Rules that do not satisfy the capsule grammar throw
 * POLICY_SCHEMA_INVALID: they are checked here too, because rules also arrive outside a parsed capsule.
 */
export function egressDecision(rules: readonly EgressRule[], request: EgressRequest): EgressDecision {
  const checked = egressRulesSchema.safeParse(rules);
  if (!checked.success) throw schemaError(checked.error, rules, "egress.rules");
  const normalized = normalizeEgressRequest(request);
  if (normalized === undefined) return "deny";
  if (checked.data.some((rule) => rule.effect === "deny" && ruleMatches(rule, normalized))) return "deny";
  return checked.data.some((rule) => rule.effect === "allow" && ruleMatches(rule, normalized)) ? "allow" : "deny";
}
