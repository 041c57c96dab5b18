import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** The shared fixtures folder (`SWARM_FIXTURES`, default `../shared/fixtures`), or undefined when absent. */
export function fixturesDir(): string | undefined {
  const dir = process.env.SWARM_FIXTURES ?? path.resolve(__dirname, "../../../shared/fixtures");
  if (existsSync(dir)) return dir;
  if (process.env.SWARM_REQUIRE_FIXTURES === "1") throw new Error(`fixtures folder ${dir} is missing`);
  return undefined;
}

/** A fixture file's text with all whitespace removed (the JWT fixtures are wrapped over lines). */
export function readCompact(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), "utf8").replace(/\s+/g, "");
}

/** A fixture file as text. */
export function readText(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), "utf8");
}

/** An injected fetch that serves one body for any URL: no socket is opened. */
export function servingFetch(body: string): typeof fetch {
  return async () => new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}
