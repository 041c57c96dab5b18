import type { Address } from "viem";

import type { Clock } from "../protocol/clock";
import type { Ed25519PublicJwk } from "../protocol/keys";
import type { ResolveHost } from "./address";

/** What the proxy logs through: pino's signature, so a pino logger fits as is. Never given a token. */
export interface ProxyLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Everything the egress proxy needs, passed in: nothing is read from the environment. */
export interface EgressProxyOptions {
  /** The issuing gateway's netCap public keys (from its verified GatewayKeys, or a key file). */
  readonly keys: readonly Ed25519PublicJwk[];
  /** `eip155:<chainId>:<gateway lowercase>`: see netCapIssuer. */
  readonly issuer: string;
  readonly market: Address;
  readonly chainId: bigint;
  readonly clock: Clock;
  /** Clock skew tolerated on the netCap's iat and exp, 0–60 s (default 0). */
  readonly leewaySeconds?: number;
  /** Turns a route's host name into the address dialed; called only after the request is allowed. */
  readonly resolveHost: ResolveHost;
  /** Dial loopback, private and reserved addresses too (default false: refused with PROXY_ADDRESS_FORBIDDEN). */
  readonly allowPrivateAddresses?: boolean;
  readonly logger: ProxyLogger;
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  readonly listenHost?: string;
  readonly listenPort?: number;
  /** Largest request head accepted, in bytes (default 16384); larger is PROXY_HEADERS_TOO_LARGE. */
  readonly maxHeaderBytes?: number;
  /** How long an upstream may stay silent before the request fails with PROXY_UPSTREAM_FAILED (default 30000). */
  readonly upstreamTimeoutMs?: number;
}

/** A running proxy. */
export interface EgressProxy {
  /** `http://<listenHost>:<port>`: what HTTP_PROXY / HTTPS_PROXY point at. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every connection and tunnel. */
  close(): Promise<void>;
}
