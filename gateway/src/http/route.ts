import type { Request } from "express";
import type { RequestContext } from "./services";

/** What a route handler answers: JSON, or text with its content type (the Prometheus exposition). */
export type Reply = { status: number; body: unknown } | { status: number; text: string; contentType: string };

/** What a route handler is given: the context, the path parameters, the query, and the body if it takes one. */
export interface RouteInput {
  ctx: RequestContext;
  params: Request["params"];
  query: Request["query"];
  body: Record<string, unknown> | undefined;
}

/** One route the app serves. The app registers exactly these, and the OpenAPI document must describe them. */
export interface RouteDef {
  method: "get" | "post";
  /** Express path template, e.g. `/v1/sessions/:id/permit`. */
  path: string;
  /** Whether a JSON object body is read (and required) before the handler runs. */
  body: boolean;
  /** Whether a 200 answer counts as a cap release in the metrics. */
  releasesCaps?: true;
  handle(input: RouteInput): Promise<Reply>;
}

/** A route template compiled for matching a request path exactly (case-sensitive, no trailing slash). */
export interface CompiledPath {
  template: string;
  methods: string[];
  regex: RegExp;
}

/** Groups the routes by path template and compiles each template (`:name` matches one non-empty segment). */
export function compilePaths(routes: readonly RouteDef[]): CompiledPath[] {
  const byPath = new Map<string, CompiledPath>();
  for (const route of routes) {
    const known = byPath.get(route.path);
    if (known !== undefined) {
      known.methods.push(route.method.toUpperCase());
      continue;
    }
    const source = route.path
      .split("/")
      .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    byPath.set(route.path, {
      template: route.path,
      methods: [route.method.toUpperCase()],
      regex: new RegExp(`^${source}$`),
    });
  }
  return [...byPath.values()];
}

/** The compiled path a request path falls under, if any. */
export function matchPath(paths: readonly CompiledPath[], path: string): CompiledPath | undefined {
  return paths.find((p) => p.regex.test(path));
}
