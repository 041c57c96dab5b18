import { ProtocolError } from "../errors";
import { canonicalJson } from "../jcs";
import { PolicyErrorCode } from "./codes";
import { describe } from "./schemaError";
import type { PolicyCapsule, PolicyIdentity } from "./types";

/** Throws POLICY_DUPLICATE_ENTRY naming `path` if `items` (compared by their JCS form) repeat one. */
function verifyUnique(items: readonly unknown[], path: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = canonicalJson(item);
    if (seen.has(key)) {
      throw new ProtocolError(
        PolicyErrorCode.DuplicateEntry,
        `expected distinct entries in ${path}, got ${describe(item)} again at ${path}[${i}]`,
      );
    }
    seen.add(key);
  });
}

/**
 * Refuses repeated entries in every array of the capsule. A repeat changes nothing a check decides, but it
 * gives one policy several spellings (and hashes), and it usually means an editing mistake worth seeing.
 */
export function verifyNoDuplicates(capsule: PolicyCapsule): void {
  verifyUnique(capsule.identity.refs, "identity.refs");
  verifyUnique(capsule.identity.eventNames, "identity.eventNames");
  verifyUnique(capsule.identity.runnerEnvironments, "identity.runnerEnvironments");
  verifyUnique(capsule.egress.rules, "egress.rules");
  capsule.egress.rules.forEach((rule, i) => verifyUnique(rule.methods, `egress.rules[${i}].methods`));
}

/**
 * Refuses a workflow outside the capsule's repository. The offer pins one commit, which the gateway compares
 * with `job_workflow_sha`; v1 keeps that commit and `repository` in the same repository, so reusable workflows
 * called from another repository are not supported (the comparison is exact and case-sensitive).
 */
export function verifyWorkflowRefRepository(identity: PolicyIdentity): void {
  const prefix = `${identity.repository}/.github/workflows/`;
  if (!identity.jobWorkflowRef.startsWith(prefix)) {
    throw new ProtocolError(
      PolicyErrorCode.WorkflowRefMismatch,
      `expected identity.jobWorkflowRef under ${describe(prefix)}, got ${describe(identity.jobWorkflowRef)}`,
    );
  }
}
