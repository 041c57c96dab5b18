import type { IncomingMessage } from "node:http";

/** What the layer tracks about one request, from arrival to the log line. */
export interface RequestState {
  requestId: string;
  /** `performance.now()` at arrival. */
  startedAt: number;
  /** The route template, or "unmatched". Never the raw path: it labels metrics. */
  route: string;
  /** The error code answered, if the answer is an error. */
  code?: string;
}

const states = new WeakMap<IncomingMessage, RequestState>();

/** Attaches the state of a request as it arrives. */
export function setRequestState(req: IncomingMessage, state: RequestState): void {
  states.set(req, state);
}

/** The state of a request; the observing middleware runs first, so every request has one. */
export function requestState(req: IncomingMessage): RequestState {
  const state = states.get(req);
  if (state === undefined) throw new Error("request state missing: observeRequests must be the first middleware");
  return state;
}
