import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Tracks a server's connections and the requests in flight on each, and returns the graceful `close`:
 * stop accepting; let in-flight requests finish, their answers marked `Connection: close`; close every
 * connection with nothing in flight now (including connections that never sent a request, which node's own
 * `closeIdleConnections` leaves open on Node 20) and each other one as soon as its last answer is done; after
 * `timeoutMs`, cut whatever is left. Must be installed before the app's request listener.
 */
export function gracefulClose(server: Server, timeoutMs: number): () => Promise<void> {
  const inFlight = new Map<Socket, Set<ServerResponse>>();
  let closing: Promise<void> | undefined;

  server.on("connection", (socket: Socket) => {
    inFlight.set(socket, new Set());
    socket.once("close", () => inFlight.delete(socket));
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const answers = inFlight.get(socket) ?? new Set<ServerResponse>();
    inFlight.set(socket, answers);
    answers.add(res);
    if (closing !== undefined) res.setHeader("Connection", "close");
    res.once("close", () => {
      answers.delete(res);
      if (closing !== undefined && answers.size === 0) socket.destroySoon();
    });
  });

  return () =>
    (closing ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
      server.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      for (const [socket, answers] of inFlight) {
        if (answers.size === 0) socket.destroySoon();
        for (const res of answers) if (!res.headersSent) res.setHeader("Connection", "close");
      }
    }));
}
