import type { Express } from "express";
import type { Logger } from "pino";
import type { HttpMetrics } from "./metrics";

/** What the server needs from the app for errors raised below Express (the parser's own refusals). */
export interface ServerHooks {
  log: Logger;
  metrics: HttpMetrics;
}

const hooks = new WeakMap<Express, ServerHooks>();

/** Remembers an app's logger and metrics, so `startGatewayServer(app)` can log and count parser refusals. */
export function setServerHooks(app: Express, value: ServerHooks): void {
  hooks.set(app, value);
}

/** The hooks of an app built by `createGatewayApp`; undefined for any other app. */
export function serverHooksOf(app: Express): ServerHooks | undefined {
  return hooks.get(app);
}
