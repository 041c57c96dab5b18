import { type Server, createServer, request } from "node:http";

/** An HTTP proxy on 127.0.0.1 in front of one upstream, that a test can switch off to play an outage. */
export interface SwitchableProxy {
  url: string;
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

/** Starts a proxy forwarding every request to `upstream` (an http://127.0.0.1 URL) while up; 502s while down. */
export async function startSwitchableProxy(upstream: string): Promise<SwitchableProxy> {
  const target = new URL(upstream);
  let down = false;
  const server: Server = createServer((req, res) => {
    if (down) {
      req.resume();
      res.writeHead(502, { "content-type": "text/plain" }).end("upstream down");
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    setDown(value) {
      down = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
