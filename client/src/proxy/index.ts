/** The step's egress proxy (`swarm proxy`): forwards only what the step's netCap routes allow. */
export { type ResolveHost, verifyUpstreamAddress } from "./address";
export { type Authority, parseAuthority } from "./authority";
export { authorizeConnect, authorizeRequest } from "./authorize";
export { ProxyErrorCode, type ProxyErrorCodeValue, proxyStatusOf } from "./codes";
export { NETCAP_BASIC_USER, netCapFromProxyAuthorization } from "./credentials";
export { verifyRequestFraming } from "./framing";
export type { ForwardedRequest } from "./forward";
export {
  NetCapKeysErrorCode,
  type TrustedGateway,
  netCapKeyFromFile,
  netCapKeysFromDescription,
  parseEd25519PublicJwk,
} from "./netCapKeys";
export type { EgressProxy, EgressProxyOptions, ProxyLogger } from "./options";
export { ProxyRefusal } from "./refusal";
export { startEgressProxy } from "./server";
export { type ProxyTarget, parseConnectTarget, parseProxyTarget } from "./target";
