import { egressDecision, hostMatches } from "../protocol/policy/egress";
import { egressRulesSchema } from "../protocol/policy/schema";
import { schemaError } from "../protocol/policy/schemaError";
import type { EgressRequest, EgressRule } from "../protocol/policy/types";
import type { Authority } from "./authority";
import { ProxyErrorCode } from "./codes";
import { refuse } from "./refusal";

/** Checks a plain-HTTP request against the netCap's routes with the policy's matcher (default deny, deny wins). */
export function authorizeRequest(routes: readonly object[], request: EgressRequest): void {
  if (egressDecision(routes as readonly EgressRule[], request) !== "allow") {
    refuse(
      ProxyErrorCode.ROUTE_DENIED,
      `no route allows ${request.method} ${request.scheme}://${request.host}:${request.port}${pathOnly(request.path)}`,
    );
  }
}

/**
 * Checks a CONNECT tunnel to `authority`. Inside TLS the proxy sees neither method nor path, so it opens a tunnel
 * only where the routes could not have said anything narrower: some https allow rule covers the host and port for
 * every method (`["*"]`) and every path (`pathPrefix` "/"), and no https deny rule touches that host and port.
 * Any route that restricts methods or paths for this host:port therefore means no tunnel (PROXY_CONNECT_DENIED).
 */
export function authorizeConnect(routes: readonly object[], authority: Authority): void {
  const checked = egressRulesSchema.safeParse(routes);
  if (!checked.success) throw schemaError(checked.error, routes, "egress.rules");
  const port = String(authority.port);
  const touches = (rule: EgressRule): boolean =>
    rule.scheme === "https" && rule.port === port && hostMatches(rule.host, authority.host);
  const rules = checked.data as readonly EgressRule[];
  const denied = rules.some((rule) => rule.effect === "deny" && touches(rule));
  const opened = rules.some(
    (rule) => rule.effect === "allow" && touches(rule) && rule.methods[0] === "*" && rule.pathPrefix === "/",
  );
  if (denied || !opened) {
    refuse(
      ProxyErrorCode.CONNECT_DENIED,
      `no route opens https://${authority.host}:${port} for every method and path, which a tunnel needs`,
    );
  }
}

function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return (q === -1 ? path : path.slice(0, q)).slice(0, 200);
}
