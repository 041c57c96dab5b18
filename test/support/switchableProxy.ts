import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from "node:http";

/** One JSON-RPC call of a request the proxy saw (a batch has several). */
export interface RpcCall {
  readonly method: string;
  readonly params: unknown;
}

/** A JSON-RPC request as the proxy saw it: its calls in order (empty when the body is not JSON-RPC). */
export interface RpcRequest {
  readonly calls: readonly RpcCall[];
  /** The calls' method names, in order. */
  readonly methods: readonly string[];
}

/** Sees a request before it is forwarded; the proxy waits for the returned promise before forwarding. */
export type RpcRequestHook = (rpc: RpcRequest) => void | Promise<void>;
/**
 * Sees the upstream's answer (parsed JSON, or undefined) before it is relayed; the proxy waits for the returned
 * promise, then relays the answer only if the client is still connected.
 */
export type RpcResponseHook = (rpc: RpcRequest, answer: unknown) => void | Promise<void>;

/** An HTTP proxy on 127.0.0.1 in front of one upstream, that a test can switch off to play an outage. */
export interface SwitchableProxy {
  url: string;
  setDown(down: boolean): void;
  /** Calls `hook` for every JSON-RPC request (single or batch) before forwarding it; returns an unsubscribe. */
  onRequest(hook: RpcRequestHook): () => void;
  /** Calls `hook` with every upstream answer before relaying it; returns an unsubscribe. */
  onResponse(hook: RpcResponseHook): () => void;
  stop(): Promise<void>;
}

/** The JSON-RPC calls in a request body: one object or a batch array; anything else has none. */
export function rpcRequestOf(body: Buffer): RpcRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return { calls: [], methods: [] };
  }
  const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const calls = items.flatMap((item): RpcCall[] => {
    if (typeof item !== "object" || item === null) return [];
    const { method, params } = item as { method?: unknown; params?: unknown };
    return typeof method === "string" ? [{ method, params }] : [];
  });
  return { calls, methods: calls.map((c) => c.method) };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function parseAnswer(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Starts a proxy forwarding every request to `upstream` (an http://127.0.0.1 URL) while up; 502s while down.
 * Request and answer bodies are read whole, so hooks can look at them and hold them.
 */
export async function startSwitchableProxy(upstream: string): Promise<SwitchableProxy> {
  const target = new URL(upstream);
  let down = false;
  const requestHooks = new Set<RpcRequestHook>();
  const responseHooks = new Set<RpcResponseHook>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    const rpc = rpcRequestOf(body);
    for (const hook of [...requestHooks]) await hook(rpc);
    const { statusCode, headers, answer } = await new Promise<{
      statusCode: number;
      headers: IncomingHttpHeaders;
      answer: Buffer;
    }>((resolve, reject) => {
      const forward = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (upstreamRes) => {
          readAll(upstreamRes).then(
            (answer) => resolve({ statusCode: upstreamRes.statusCode ?? 502, headers: upstreamRes.headers, answer }),
            reject,
          );
        },
      );
      forward.on("error", reject);
      forward.end(body);
    });
    if (responseHooks.size > 0) {
      const parsed = parseAnswer(answer);
      for (const hook of [...responseHooks]) await hook(rpc, parsed);
    }
    if (res.destroyed || req.socket.destroyed) return;
    res.writeHead(statusCode, headers).end(answer);
  }

  const server: Server = createServer((req, res) => {
    res.on("error", () => undefined); // the client may be gone (a killed gateway): nothing to tell it
    if (down) {
      req.resume();
      res.writeHead(502, { "content-type": "text/plain" }).end("upstream down");
      return;
    }
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    setDown(value) {
      down = value;
    },
    onRequest(hook) {
      requestHooks.add(hook);
      return () => void requestHooks.delete(hook);
    },
    onResponse(hook) {
      responseHooks.add(hook);
      return () => void responseHooks.delete(hook);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
