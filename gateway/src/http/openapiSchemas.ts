import type { JsonSchema } from "./openapiTypes";

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str = (pattern: string, description: string): JsonSchema => ({ type: "string", pattern, description });
const obj = (properties: Record<string, JsonSchema>, description: string): JsonSchema => ({
  type: "object",
  description,
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

/**
 * The component schemas. Answers are exactly what the HTTP layer sends (it rebuilds them field by field).
 * Request bodies are what the services accept; the HTTP layer itself only requires a JSON object.
 */
export const OPENAPI_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Error: obj(
    {
      error: obj(
        {
          code: str("^[A-Z][A-Z0-9_]*$", "Stable UPPER_SNAKE_CASE code; never renamed once released."),
          message: { type: "string", description: "Short; says what was expected. Never holds a secret." },
        },
        "The refusal.",
      ),
    },
    "Every error answer, whatever the route or status.",
  ),
  Decimal: str("^(0|[1-9][0-9]*)$", "An unsigned integer as a canonical decimal string."),
  Bytes32: str("^0x[0-9a-f]{64}$", "32 bytes, 0x-prefixed lowercase hex."),
  Address: str("^0x[0-9a-f]{40}$", "An address (or bytes20), 0x-prefixed lowercase hex."),
  Signature: str("^0x([0-9a-f]{2})+$", "Signature bytes, 0x-prefixed lowercase hex (65 bytes for an EOA)."),
  X25519Jwk: obj(
    {
      kty: { type: "string", const: "OKP" },
      crv: { type: "string", const: "X25519" },
      x: str("^[A-Za-z0-9_-]{43}$", "The 32-byte public key, base64url without padding."),
    },
    "A runner's or buyer's X25519 public key (RFC 8037).",
  ),
  StepPermit: obj(
    {
      entitlementId: ref("Decimal"),
      step: ref("Decimal"),
      fromStep: ref("Decimal"),
      runId: ref("Decimal"),
      runAttempt: ref("Decimal"),
      workerKey: ref("Bytes32"),
      commit: ref("Address"),
      policyHash: ref("Bytes32"),
      gateway: ref("Address"),
      deadline: ref("Decimal"),
    },
    "An EIP-712 StepPermit in JSON (docs/PROTOCOL.md).",
  ),
  StateKeyRequest: obj(
    {
      entitlementId: ref("Decimal"),
      fromStep: ref("Decimal"),
      toStep: ref("Decimal"),
      recipientKey: ref("Bytes32"),
      gateway: ref("Address"),
      deadline: ref("Decimal"),
    },
    "An EIP-712 StateKeyRequest in JSON.",
  ),
  SessionView: obj(
    {
      id: str("^[A-Za-z0-9_-]{1,128}$", "The session id."),
      entitlementId: ref("Decimal"),
      runId: ref("Decimal"),
      runAttempt: ref("Decimal"),
      repository: { type: "string", description: "owner/name of the runner's repository." },
      workerKey: ref("Bytes32"),
      workerJwk: ref("X25519Jwk"),
      createdAt: { type: "string", format: "date-time" },
      expiresAt: { type: "string", format: "date-time" },
      receiptSeq: ref("Decimal"),
      hasPermit: { type: "boolean" },
    },
    "A runner session; workerKey is the RFC 7638 thumbprint of workerJwk.",
  ),
  PolicyReference: {
    oneOf: [
      obj({ capsule: str("^[A-Za-z0-9_-]+$", "base64url of the capsule's JCS bytes.") }, "The capsule itself."),
      obj({ hash: ref("Bytes32") }, "The capsule's sha256, for a capsule the gateway already holds."),
    ],
  },
  OpenSessionRequest: obj(
    { entitlementId: ref("Decimal"), workerKey: ref("X25519Jwk"), policy: ref("PolicyReference") },
    "Registers the runner's worker key for an entitlement; the run comes from the bearer, the runner's OIDC token.",
  ),
  AttachPermitRequest: obj(
    { permit: ref("StepPermit"), signature: ref("Signature") },
    "The buyer's signed permit bound to the session's run and worker key.",
  ),
  CapsRequest: obj(
    {
      permit: ref("StepPermit"),
      signature: ref("Signature"),
      workerKey: ref("X25519Jwk"),
      policy: ref("PolicyReference"),
    },
    "A cap release; the bearer is the runner's OIDC token.",
  ),
  StateKeysRequest: obj(
    { request: ref("StateKeyRequest"), signature: ref("Signature"), recipientJwk: ref("X25519Jwk") },
    "A buyer's signed request for state keys; recipientJwk must hash to request.recipientKey.",
  ),
  SessionAnswer: obj({ session: ref("SessionView") }, "One session."),
  SessionsAnswer: obj({ sessions: { type: "array", items: ref("SessionView") } }, "The entitlement's sessions."),
  PermitAnswer: obj({ permit: ref("StepPermit"), signature: ref("Signature") }, "The permit attached to a session."),
  CapsAnswer: obj(
    {
      jwe: str("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]*){4}$", "Compact JWE (ECDH-ES+A256KW, X25519, A256GCM)."),
      txHash: ref("Bytes32"),
      receiptSeq: ref("Decimal"),
      redelivery: { type: "boolean", description: "True when the permit had already been consumed." },
    },
    "The released caps, encrypted to the worker key.",
  ),
  StateKeysAnswer: obj(
    { jwe: str("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]*){4}$", "Compact JWE to recipientKey."), receiptSeq: ref("Decimal") },
    "The requested state keys, encrypted to the recipient.",
  ),
  ReceiptAnswer: obj({ receipt: { type: "object", description: "A DSSE receipt envelope." } }, "One receipt."),
  ReceiptsAnswer: obj(
    { receipts: { type: "array", items: { type: "object", description: "A DSSE receipt envelope." } } },
    "Receipts from..to, in order.",
  ),
  CheckpointAnswer: obj({ checkpoint: { description: "The ledger's latest signed checkpoint." } }, "A checkpoint."),
  Base64Hash: str("^[A-Za-z0-9+/]{43}=$", "A 32-byte SHA-256 hash, standard base64 (as in checkpoints)."),
  InclusionProofAnswer: obj(
    {
      seq: ref("Decimal"),
      treeSize: ref("Decimal"),
      leafHash: ref("Base64Hash"),
      proof: { type: "array", items: ref("Base64Hash"), description: "Audit path, lowest level first." },
    },
    "An inclusion proof; leafHash = SHA-256(0x00 || receipt line) is informative (recompute it).",
  ),
  ConsistencyProofAnswer: obj(
    {
      from: ref("Decimal"),
      to: ref("Decimal"),
      proof: { type: "array", items: ref("Base64Hash"), description: "RFC 9162 consistency proof." },
    },
    "A consistency proof between two tree sizes.",
  ),
  Readiness: obj(
    {
      ready: { type: "boolean" },
      checks: { type: "object", additionalProperties: { type: "string", enum: ["ok", "down"] } },
    },
    "Readiness of each dependency; ready only when every check is ok.",
  ),
  Health: obj({ status: { type: "string", const: "ok" } }, "Liveness."),
};
