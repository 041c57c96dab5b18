/** Stable codes of every ProtocolError the policy module throws: never renamed once released. */
export const PolicyErrorCode = {
  /** The capsule (bytes, or base64url text) is larger than POLICY_MAX_BYTES. */
  TooLarge: "POLICY_TOO_LARGE",
  /** The bytes are not strict UTF-8, the text is not unpadded base64url, or the input is not bytes or text. */
  EncodingInvalid: "POLICY_ENCODING_INVALID",
  /** The text is not JSON. */
  JsonInvalid: "POLICY_JSON_INVALID",
  /** The text is JSON but not its own RFC 8785 (JCS) form: it is refused, never re-canonicalized. */
  NotCanonical: "POLICY_NOT_CANONICAL",
  /** `version` is not exactly POLICY_VERSION. */
  VersionUnsupported: "POLICY_VERSION_UNSUPPORTED",
  /** A field is missing, unknown, of the wrong type or outside its grammar; the message names its path. */
  SchemaInvalid: "POLICY_SCHEMA_INVALID",
  /** An array (refs, eventNames, runnerEnvironments, methods, rules) repeats an entry. */
  DuplicateEntry: "POLICY_DUPLICATE_ENTRY",
  /** `identity.jobWorkflowRef` names a workflow outside `identity.repository`. */
  WorkflowRefMismatch: "POLICY_WORKFLOW_REF_MISMATCH",
  /** The capsule's audience is not the one this market and gateway expect. */
  AudienceMismatch: "POLICY_AUDIENCE_MISMATCH",
  /** expectedAudience was given a chain id or address it cannot encode. */
  AudienceInputInvalid: "AUDIENCE_INPUT_INVALID",
} as const;

/** One of the policy module's error codes. */
export type PolicyErrorCode = (typeof PolicyErrorCode)[keyof typeof PolicyErrorCode];
