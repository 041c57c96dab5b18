import { OPENAPI_SCHEMAS } from "./openapiSchemas";
import type { OpenApiDocument, Operation, Parameter, Reference, ResponseObject } from "./openapiTypes";

const JSON_TYPE = "application/json";
const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ [JSON_TYPE]: { schema: schema(name) } });
const answer = (description: string, name: string): ResponseObject => ({ description, content: json(name) });
const refused = (description: string): ResponseObject => ({ description, content: json("Error") });
const response = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
const param = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });
const BEARER = [{ githubOidc: [] }] as const;

/** Error answers every `/v1` operation may give; with a body, also 413 and 415; with a bearer, also 401 and 403. */
function v1Errors(options: { body: boolean; bearer: boolean }): Record<string, Reference> {
  return {
    "400": response("BadRequest"),
    ...(options.bearer ? { "401": response("Unauthorized"), "403": response("Forbidden") } : {}),
    ...(options.body ? { "413": response("BodyTooLarge"), "415": response("UnsupportedMediaType") } : {}),
    "429": response("RateLimited"),
    "500": response("Internal"),
    "503": response("Unavailable"),
    default: response("Error"),
  };
}

/** A `/v1` operation with its error answers, security and request body filled in from `body` and `bearer`. */
function v1(
  o: Omit<Operation, "tags" | "responses"> & {
    ok: Record<string, ResponseObject | Reference>;
    body?: string;
    bearer?: true;
  },
): Operation {
  const { ok, body, bearer, ...rest } = o;
  return {
    ...rest,
    tags: ["v1"],
    ...(bearer ? { security: BEARER } : {}),
    ...(body !== undefined ? { requestBody: { required: true, content: json(body) } } : {}),
    responses: { ...ok, ...v1Errors({ body: body !== undefined, bearer: bearer ?? false }) },
  };
}

const decimalParam = (name: string, where: "path" | "query", description: string): Parameter => ({
  name,
  in: where,
  required: true,
  description,
  schema: schema("Decimal"),
});

/** The gateway's OpenAPI 3.1 document: every route the app serves, and nothing else (a test holds it to that). */
export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "swarm capability gateway",
    version: "1",
    description:
      "Runner sessions, permits, cap release, buyer state keys and receipts. Integers are decimal strings, bytes " +
      'lowercase 0x-hex. Every error is `{ "error": { "code", "message" } }`; every answer carries X-Request-Id.',
    license: { name: "Apache-2.0", identifier: "Apache-2.0" },
  },
  paths: {
    "/v1/sessions": {
      post: v1({
        operationId: "openSession",
        summary: "Register a runner session (runner, OIDC bearer).",
        bearer: true,
        body: "OpenSessionRequest",
        ok: { "201": answer("The session, recorded as a receipt.", "SessionAnswer") },
      }),
      get: v1({
        operationId: "listSessions",
        summary: "List the sessions of an entitlement (buyer).",
        parameters: [param("EntitlementId")],
        ok: { "200": answer("The sessions.", "SessionsAnswer") },
      }),
    },
    "/v1/sessions/{id}/permit": {
      post: v1({
        operationId: "attachPermit",
        summary: "Attach the buyer's signed permit to a session (buyer).",
        parameters: [param("SessionId")],
        body: "AttachPermitRequest",
        ok: { "200": answer("The session, now with a permit.", "SessionAnswer") },
      }),
      get: v1({
        operationId: "sessionPermit",
        summary: "Pick up the permit attached to a session (runner, OIDC bearer).",
        bearer: true,
        parameters: [param("SessionId")],
        ok: { "200": answer("The permit and its signature.", "PermitAnswer") },
      }),
    },
    "/v1/caps": {
      post: v1({
        operationId: "releaseCaps",
        summary: "Consume the permit on-chain, then release the step's caps (runner, OIDC bearer).",
        description:
          "A 503 TIMEOUT does not mean nothing happened: the permit may be consumed; ask again to re-deliver.",
        bearer: true,
        body: "CapsRequest",
        ok: { "200": answer("The caps JWE, the consuming transaction and the receipt.", "CapsAnswer") },
      }),
    },
    "/v1/state-keys": {
      post: v1({
        operationId: "stateKeys",
        summary: "Release state keys to a buyer's signed StateKeyRequest.",
        body: "StateKeysRequest",
        ok: { "200": answer("The keys, encrypted to recipientKey.", "StateKeysAnswer") },
      }),
    },
    "/v1/receipts/{seq}": {
      get: v1({
        operationId: "receipt",
        summary: "One receipt by sequence number.",
        parameters: [decimalParam("seq", "path", "The receipt's seq (uint64).")],
        ok: { "200": answer("The receipt.", "ReceiptAnswer") },
      }),
    },
    "/v1/receipts": {
      get: v1({
        operationId: "receipts",
        summary: "Receipts from..to inclusive.",
        parameters: [
          decimalParam("from", "query", "First seq (uint64)."),
          decimalParam("to", "query", "Last seq (uint64), at least from."),
        ],
        ok: { "200": answer("The receipts, in order.", "ReceiptsAnswer") },
      }),
    },
    "/v1/checkpoint": {
      get: v1({
        operationId: "checkpoint",
        summary: "The ledger's latest signed checkpoint (404 NOT_FOUND when the gateway publishes none).",
        ok: {
          "200": {
            description: "The checkpoint: a C2SP signed note as text/plain (origin, size, base64 root, signature).",
            content: { "text/plain": { schema: { type: "string" } }, ...json("CheckpointAnswer") },
          },
          "404": response("NotFound"),
        },
      }),
    },
    "/v1/proofs/inclusion": {
      get: v1({
        operationId: "inclusionProof",
        summary: "RFC 9162 inclusion proof of receipt seq (the leaf index) in the tree of treeSize receipts.",
        parameters: [
          decimalParam("seq", "query", "The receipt's seq (uint64), below treeSize."),
          decimalParam("treeSize", "query", "The tree size (uint64), at most the latest checkpoint's."),
        ],
        ok: { "200": answer("The audit path.", "InclusionProofAnswer"), "404": response("NotFound") },
      }),
    },
    "/v1/proofs/consistency": {
      get: v1({
        operationId: "consistencyProof",
        summary: "RFC 9162 consistency proof from the tree of `from` receipts to the tree of `to` (1 ≤ from ≤ to).",
        parameters: [
          decimalParam("from", "query", "The older tree size (uint64), at least 1."),
          decimalParam("to", "query", "The newer tree size (uint64), at most the latest checkpoint's."),
        ],
        ok: { "200": answer("The consistency proof.", "ConsistencyProofAnswer"), "404": response("NotFound") },
      }),
    },
    "/.well-known/swarm-gateway.json": {
      get: {
        operationId: "wellKnown",
        summary: "The gateway's signed GatewayKeys and public keys.",
        tags: ["discovery"],
        responses: { "200": { description: "The discovery document." }, default: response("Error") },
      },
    },
    "/healthz": {
      get: {
        operationId: "healthz",
        summary: "Liveness: answers without calling any dependency.",
        tags: ["ops"],
        responses: { "200": answer("Alive.", "Health") },
      },
    },
    "/readyz": {
      get: {
        operationId: "readyz",
        summary: "Readiness of the chain, the JWKS and the ledger.",
        tags: ["ops"],
        responses: {
          "200": answer("Ready.", "Readiness"),
          "503": answer("Not ready (or the check itself failed: then the Error shape).", "Readiness"),
          default: response("Error"),
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        summary: "Prometheus metrics (text exposition format).",
        tags: ["ops"],
        responses: { "200": { description: "Metrics.", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        summary: "This document.",
        tags: ["ops"],
        responses: {
          "200": { description: "The OpenAPI 3.1 document.", content: { [JSON_TYPE]: { schema: { type: "object" } } } },
        },
      },
    },
  },
  components: {
    schemas: OPENAPI_SCHEMAS,
    responses: {
      Error: refused("Any refusal; the code says which."),
      BadRequest: refused("BODY_MALFORMED, QUERY_INVALID, PARAM_INVALID, or a service's validation code."),
      Unauthorized: refused("The OIDC bearer is missing or not acceptable."),
      Forbidden: refused("A valid token or signature this request does not admit."),
      NotFound: refused("NOT_FOUND."),
      BodyTooLarge: refused("BODY_TOO_LARGE: the body is over the limit (default 64 KiB)."),
      UnsupportedMediaType: refused("CONTENT_TYPE_UNSUPPORTED: expected application/json, no Content-Encoding."),
      RateLimited: {
        description: "RATE_LIMITED.",
        headers: {
          "Retry-After": { description: "Whole seconds until a retry may pass.", schema: { type: "integer" } },
        },
        content: json("Error"),
      },
      Internal: refused("INTERNAL: the cause is logged under the X-Request-Id, never returned."),
      Unavailable: refused("TIMEOUT, or a dependency (chain, JWKS, policy store) is down: nothing was released."),
    },
    parameters: {
      EntitlementId: decimalParam("entitlementId", "query", "The entitlement (uint256)."),
      SessionId: {
        name: "id",
        in: "path",
        required: true,
        description: "The session id.",
        schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,128}$" },
      },
    },
    securitySchemes: {
      githubOidc: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "The runner's GitHub Actions OIDC token, audience swarm:<chainId>:<market>:<gateway>.",
      },
    },
  },
};
