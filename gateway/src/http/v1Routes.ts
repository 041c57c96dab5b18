import { httpError } from "./codes";
import { decimalQuery, seqParam, sessionIdParam } from "./params";
import type { RouteDef } from "./route";
import type { GatewayServices } from "./services";

/**
 * The `/v1` routes: each validates what this layer can (path and query syntax), hands the rest to its service
 * and shapes the answer. Answers are rebuilt field by field, so a service can never leak an extra field
 * through this layer, and the answer is exactly what the OpenAPI document describes.
 */
export function v1Routes(services: GatewayServices): RouteDef[] {
  return [
    {
      method: "post",
      path: "/v1/sessions",
      body: true,
      handle: async ({ ctx, body }) => ({ status: 201, body: { session: await services.openSession(ctx, body) } }),
    },
    {
      method: "get",
      path: "/v1/sessions",
      body: false,
      handle: async ({ ctx, query }) => {
        const { entitlementId } = decimalQuery(query, ["entitlementId"], 256);
        return { status: 200, body: { sessions: await services.listSessions(ctx, entitlementId) } };
      },
    },
    {
      method: "post",
      path: "/v1/sessions/:id/permit",
      body: true,
      handle: async ({ ctx, params, body }) => {
        const session = await services.attachPermit(ctx, sessionIdParam(params.id), body);
        return { status: 200, body: { session } };
      },
    },
    {
      method: "get",
      path: "/v1/sessions/:id/permit",
      body: false,
      handle: async ({ ctx, params }) => {
        const { permit, signature } = await services.sessionPermit(ctx, sessionIdParam(params.id));
        return { status: 200, body: { permit, signature } };
      },
    },
    {
      method: "post",
      path: "/v1/caps",
      body: true,
      releasesCaps: true,
      handle: async ({ ctx, body }) => {
        const { jwe, txHash, receiptSeq, redelivery } = await services.releaseCaps(ctx, body);
        return { status: 200, body: { jwe, txHash, receiptSeq, redelivery } };
      },
    },
    {
      method: "post",
      path: "/v1/state-keys",
      body: true,
      handle: async ({ ctx, body }) => {
        const { jwe, receiptSeq } = await services.stateKeys(ctx, body);
        return { status: 200, body: { jwe, receiptSeq } };
      },
    },
    {
      method: "get",
      path: "/v1/receipts/:seq",
      body: false,
      handle: async ({ params }) => ({ status: 200, body: { receipt: await services.receipt(seqParam(params.seq)) } }),
    },
    {
      method: "get",
      path: "/v1/receipts",
      body: false,
      handle: async ({ query }) => {
        const { from, to } = decimalQuery(query, ["from", "to"], 64);
        if (BigInt(from) > BigInt(to)) throw httpError("QUERY_INVALID", `expected from ≤ to, got ${from} > ${to}`);
        return { status: 200, body: { receipts: await services.receipts(from, to) } };
      },
    },
    {
      method: "get",
      path: "/v1/checkpoint",
      body: false,
      handle: async () => {
        if (services.checkpoint === undefined) throw httpError("NOT_FOUND", "this gateway publishes no checkpoint");
        const checkpoint = await services.checkpoint();
        // A signed note goes out byte for byte as C2SP text, the form witnesses and tlog tools read.
        if (typeof checkpoint === "string") {
          return { status: 200, text: checkpoint, contentType: "text/plain; charset=utf-8" };
        }
        return { status: 200, body: { checkpoint } };
      },
    },
    {
      method: "get",
      path: "/v1/proofs/inclusion",
      body: false,
      handle: async ({ query }) => {
        if (services.inclusionProof === undefined) throw httpError("NOT_FOUND", "this gateway publishes no proofs");
        const { seq, treeSize } = decimalQuery(query, ["seq", "treeSize"], 64);
        const answer = await services.inclusionProof(seq, treeSize);
        return {
          status: 200,
          body: { seq: answer.seq, treeSize: answer.treeSize, leafHash: answer.leafHash, proof: [...answer.proof] },
        };
      },
    },
    {
      method: "get",
      path: "/v1/proofs/consistency",
      body: false,
      handle: async ({ query }) => {
        if (services.consistencyProof === undefined) throw httpError("NOT_FOUND", "this gateway publishes no proofs");
        const { from, to } = decimalQuery(query, ["from", "to"], 64);
        if (BigInt(from) > BigInt(to)) throw httpError("QUERY_INVALID", `expected from ≤ to, got ${from} > ${to}`);
        const answer = await services.consistencyProof(from, to);
        return { status: 200, body: { from: answer.from, to: answer.to, proof: [...answer.proof] } };
      },
    },
  ];
}
