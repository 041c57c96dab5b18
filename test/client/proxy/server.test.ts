import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import type { Server } from "node:http";
import { connect } from "node:net";
import { CompactSign } from "jose";

import { canonicalJson } from "../../../client/src/protocol/jcs";
import { ed25519PublicJwk, jwkThumbprint } from "../../../client/src/protocol/keys";
import { netCapIssuer } from "../../../client/src/protocol/netcap";
import type { EgressProxy } from "../../../client/src/proxy";
import {
  CHAIN_ID,
  GATEWAY,
  MARKET,
  NOW,
  type SeenRequest,
  codeOf,
  gatewayKey,
  loopbackResolver,
  memoryLogger,
  mintNetCap,
  parseAnswer,
  rawExchange,
  startEcho,
  startTestProxy,
  startUpstream,
  testRoutes,
} from "./support";

describe("proxy/server: the step's egress proxy", () => {
  let upstream: { server: Server; port: number; seen: SeenRequest[] };
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: EgressProxy;
  let resolver: ReturnType<typeof loopbackResolver>;
  let log: ReturnType<typeof memoryLogger>;
  let routes: object[];
  let netCap: string;

  beforeEach(async () => {
    upstream = await startUpstream();
    echo = await startEcho();
    resolver = loopbackResolver();
    log = memoryLogger();
    proxy = await startTestProxy(resolver.resolveHost, log.logger);
    routes = testRoutes(upstream.port, echo.port);
    netCap = await mintNetCap(routes);
  });

  afterEach(async () => {
    await proxy.close();
    await echo.close();
    await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  });

  const get = (path: string, headers: Record<string, string> = {}, host = `api.test:${upstream.port}`): string =>
    [
      `GET http://${host}${path} HTTP/1.1`,
      `Host: ${host}`,
      "Connection: close",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
  const bearer = (): Record<string, string> => ({ "Proxy-Authorization": `Bearer ${netCap}` });

  /** Asserts a refusal with `code`, and that the upstream and the tunnel target received nothing. */
  function expectRefused(answer: ReturnType<typeof parseAnswer>, code: string, status: number): void {
    expect(answer.status, answer.raw).to.equal(status);
    expect(answer.headers["content-type"]).to.equal("application/json");
    expect(codeOf(answer)).to.equal(code);
    expect(upstream.seen).to.have.length(0);
    expect(echo.connections()).to.equal(0);
  }

  describe("forwarding what the routes allow", () => {
    it("forwards an allowed GET and never passes the netCap upstream", async () => {
      const answer = await rawExchange(proxy.port, get("/v1/items?x=1", bearer()));
      expect(answer.status).to.equal(200);
      expect(answer.body).to.equal("upstream saw GET /v1/items?x=1");
      expect(upstream.seen).to.have.length(1);
      expect(upstream.seen[0]?.headers["proxy-authorization"]).to.equal(undefined);
      expect(upstream.seen[0]?.headers.host).to.equal(`api.test:${upstream.port}`);
      expect(resolver.asked).to.deep.equal(["api.test"]);
    });

    it("accepts the netCap as Basic credentials netcap:<netCap>, as HTTP_PROXY userinfo sends it", async () => {
      const basic = Buffer.from(`netcap:${netCap}`).toString("base64");
      const answer = await rawExchange(proxy.port, get("/v1/a", { "Proxy-Authorization": `Basic ${basic}` }));
      expect(answer.status).to.equal(200);
      expect(upstream.seen).to.have.length(1);
    });

    it("forwards a POST body with its length", async () => {
      const req = [
        `POST http://api.test:${upstream.port}/v1/post HTTP/1.1`,
        `Host: api.test:${upstream.port}`,
        `Proxy-Authorization: Bearer ${netCap}`,
        "Content-Length: 5",
        "Connection: close",
        "",
        "hello",
      ].join("\r\n");
      const answer = await rawExchange(proxy.port, req);
      expect(answer.status).to.equal(200);
      expect(upstream.seen[0]?.body).to.equal("hello");
    });

    it("opens a CONNECT tunnel to a host:port a route opens for every method and path", async () => {
      const socket = connect({ host: "127.0.0.1", port: proxy.port });
      const received: Buffer[] = [];
      socket.on("data", (c: Buffer) => {
        received.push(c);
        if (Buffer.concat(received).toString().endsWith("\r\n\r\n")) socket.write("ping");
        if (Buffer.concat(received).toString().endsWith("ping")) socket.end();
      });
      socket.write(
        `CONNECT tls.test:${echo.port} HTTP/1.1\r\nHost: tls.test:${echo.port}\r\nProxy-Authorization: Bearer ${netCap}\r\n\r\n`,
      );
      await new Promise((resolve) => socket.on("close", resolve));
      const text = Buffer.concat(received).toString();
      expect(text.startsWith("HTTP/1.1 200 Connection Established\r\n\r\n")).to.equal(true);
      expect(text.endsWith("ping")).to.equal(true);
      expect(echo.connections()).to.equal(1);
    });

    it("passes a redirect back without following it, and refuses the redirected request to another host", async () => {
      const first = await rawExchange(proxy.port, get("/v1/redirect", bearer()));
      expect(first.status).to.equal(302);
      expect(first.headers.location).to.equal("http://elsewhere.test/steal");
      expect(upstream.seen).to.have.length(1);
      const second = await rawExchange(proxy.port, get("/steal", bearer(), "elsewhere.test"));
      expect(second.status).to.equal(403);
      expect(codeOf(second)).to.equal("PROXY_ROUTE_DENIED");
      expect(upstream.seen).to.have.length(1);
      expect(resolver.asked).to.deep.equal(["api.test"]);
    });
  });

  describe("refusing requests without a valid netCap (407)", () => {
    it("rejects a request without a netCap", async () => {
      const answer = await rawExchange(proxy.port, get("/v1/items"));
      expectRefused(answer, "PROXY_AUTH_MISSING", 407);
      expect(answer.headers["proxy-authenticate"]).to.contain("Bearer");
    });

    it("rejects an expired netCap", async () => {
      netCap = await mintNetCap(routes, { notAfter: BigInt(NOW - 10) + 5n }, () => new Date((NOW - 100) * 1000));
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_EXPIRED", 407);
    });

    it("rejects a netCap signed by a key the gateway never announced", async () => {
      netCap = await mintNetCap(routes, {}, undefined, generateKeyPairSync("ed25519").privateKey);
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_KEY_UNKNOWN", 407);
    });

    it("rejects a netCap whose routes were widened after signing", async () => {
      const [header, , signature] = netCap.split(".");
      const widened = JSON.parse(Buffer.from(netCap.split(".")[1] ?? "", "base64url").toString()) as {
        routes: object[];
      };
      widened.routes = [
        { effect: "allow", scheme: "http", host: "evil.test", port: "80", methods: ["*"], pathPrefix: "/" },
      ];
      netCap = `${header}.${Buffer.from(canonicalJson(widened)).toString("base64url")}.${signature}`;
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_SIGNATURE_INVALID", 407);
    });

    it("rejects a netCap for another audience", async () => {
      const claims = {
        aud: "another-service",
        chainId: "31337",
        entitlementId: "7",
        exp: NOW + 600,
        iat: NOW,
        iss: netCapIssuer(CHAIN_ID, GATEWAY),
        jti: `0x${"ab".repeat(32)}`,
        market: MARKET.toLowerCase(),
        routes,
        step: "1",
      };
      const kid = jwkThumbprint(ed25519PublicJwk(gatewayKey));
      netCap = await new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
        .setProtectedHeader({ alg: "EdDSA", typ: "swarm-netcap+jwt", kid })
        .sign(gatewayKey);
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_AUDIENCE_MISMATCH", 407);
    });

    it("rejects a netCap for another market", async () => {
      netCap = await mintNetCap(routes, { market: "0x0000000000000000000000000000000000000001" });
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_MARKET_MISMATCH", 407);
    });

    it("rejects a netCap from another gateway", async () => {
      netCap = await mintNetCap(routes, { gateway: "0x0000000000000000000000000000000000000002" });
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "NETCAP_ISSUER_MISMATCH", 407);
    });

    it("never logs the netCap", async () => {
      await rawExchange(proxy.port, get("/v1/items", bearer()));
      await rawExchange(proxy.port, get("/v1/admin", bearer()));
      netCap = await mintNetCap(routes, { market: "0x0000000000000000000000000000000000000001" });
      await rawExchange(proxy.port, get("/v1/items", bearer()));
      expect(log.lines.length).to.equal(3);
      for (const line of log.lines) expect(line).to.not.contain(netCap.split(".")[2]);
      expect(log.lines[1]).to.contain("PROXY_ROUTE_DENIED");
    });
  });

  describe("refusing destinations the routes do not allow (403)", () => {
    it("rejects a disallowed host before any DNS lookup or connection", async () => {
      const answer = await rawExchange(proxy.port, get("/v1/items", bearer(), `evil.test:${upstream.port}`));
      expectRefused(answer, "PROXY_ROUTE_DENIED", 403);
      expect(resolver.asked).to.deep.equal([]);
    });

    it("rejects a method the route does not list", async () => {
      const req = get("/v1/items", bearer()).replace(/^GET/, "DELETE");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_ROUTE_DENIED", 403);
    });

    it("rejects a port the route does not list", async () => {
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer(), "api.test:1")), "PROXY_ROUTE_DENIED", 403);
      expect(resolver.asked).to.deep.equal([]);
    });

    it("rejects a path a deny rule covers", async () => {
      expectRefused(await rawExchange(proxy.port, get("/v1/admin/users", bearer())), "PROXY_ROUTE_DENIED", 403);
    });

    it("rejects a second spelling of a denied path (dot segments, encoded slash)", async () => {
      expectRefused(await rawExchange(proxy.port, get("/v1/x/../admin", bearer())), "PROXY_ROUTE_DENIED", 403);
      expectRefused(await rawExchange(proxy.port, get("/v1%2Fadmin", bearer())), "PROXY_ROUTE_DENIED", 403);
    });

    it("rejects CONNECT to a host no route names, before any DNS lookup", async () => {
      const answer = await rawExchange(
        proxy.port,
        `CONNECT evil.test:${echo.port} HTTP/1.1\r\nHost: evil.test:${echo.port}\r\nProxy-Authorization: Bearer ${netCap}\r\n\r\n`,
      );
      expectRefused(answer, "PROXY_CONNECT_DENIED", 403);
      expect(resolver.asked).to.deep.equal([]);
    });

    it("rejects CONNECT to a host whose route restricts methods or paths, which a tunnel cannot enforce", async () => {
      const answer = await rawExchange(
        proxy.port,
        `CONNECT narrow.test:${echo.port} HTTP/1.1\r\nHost: narrow.test:${echo.port}\r\nProxy-Authorization: Bearer ${netCap}\r\n\r\n`,
      );
      expectRefused(answer, "PROXY_CONNECT_DENIED", 403);
    });

    it("rejects absolute-form https:// (TLS must tunnel through CONNECT)", async () => {
      const req = get("/", bearer(), `tls.test:${echo.port}`).replace("GET http://", "GET https://");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_SCHEME_UNSUPPORTED", 403);
    });

    it("rejects a name that resolves to a loopback address unless private addresses are allowed", async () => {
      await proxy.close();
      proxy = await startTestProxy(resolver.resolveHost, log.logger, { allowPrivateAddresses: false });
      expectRefused(await rawExchange(proxy.port, get("/v1/items", bearer())), "PROXY_ADDRESS_FORBIDDEN", 403);
    });
  });

  describe("refusing targets with more than one meaning", () => {
    it("rejects an IPv4 literal target", async () => {
      expectRefused(
        await rawExchange(proxy.port, get("/v1/items", bearer(), `127.0.0.1:${upstream.port}`)),
        "PROXY_HOST_INVALID",
        403,
      );
      expect(resolver.asked).to.deep.equal([]);
    });

    it("rejects an IPv6 literal and a decimal IPv4 target", async () => {
      expectRefused(
        await rawExchange(proxy.port, get("/v1/items", bearer(), `[::1]:${upstream.port}`)),
        "PROXY_HOST_INVALID",
        403,
      );
      expectRefused(
        await rawExchange(proxy.port, get("/v1/items", bearer(), `2130706433:${upstream.port}`)),
        "PROXY_HOST_INVALID",
        403,
      );
    });

    it("rejects CONNECT to an IP literal", async () => {
      const answer = await rawExchange(
        proxy.port,
        `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nProxy-Authorization: Bearer ${netCap}\r\n\r\n`,
      );
      expectRefused(answer, "PROXY_HOST_INVALID", 403);
    });

    it("rejects a trailing-dot host", async () => {
      expectRefused(
        await rawExchange(proxy.port, get("/v1/items", bearer(), `api.test.:${upstream.port}`)),
        "PROXY_HOST_INVALID",
        403,
      );
    });

    it("rejects a Host header that names another authority than the absolute-form target", async () => {
      const req = get("/v1/items", bearer()).replace(
        `Host: api.test:${upstream.port}`,
        `Host: evil.test:${upstream.port}`,
      );
      expectRefused(await rawExchange(proxy.port, req), "PROXY_HOST_MISMATCH", 400);
    });

    it("rejects userinfo in the target URL", async () => {
      const req = get("/v1/items", bearer()).replace(`GET http://api.test`, "GET http://user:pw@api.test");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_USERINFO_FORBIDDEN", 400);
    });

    it("rejects an origin-form request (not a proxy request)", async () => {
      const req = get("/v1/items", bearer()).replace(`GET http://api.test:${upstream.port}/v1/items`, "GET /v1/items");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_REQUEST_MALFORMED", 400);
    });

    it("rejects oversized headers", async () => {
      expectRefused(
        await rawExchange(proxy.port, get("/v1/items", { ...bearer(), "X-Pad": "a".repeat(20_000) })),
        "PROXY_HEADERS_TOO_LARGE",
        431,
      );
    });

    it("rejects a request smuggled with both Content-Length and Transfer-Encoding", async () => {
      const req = [
        `POST http://api.test:${upstream.port}/v1/post HTTP/1.1`,
        `Host: api.test:${upstream.port}`,
        `Proxy-Authorization: Bearer ${netCap}`,
        "Content-Length: 4",
        "Transfer-Encoding: chunked",
        "",
        "0",
        "",
        `GET http://evil.test/ HTTP/1.1`,
        "Host: evil.test",
        "",
        "",
      ].join("\r\n");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_FRAMING_AMBIGUOUS", 400);
    });

    it("rejects two differing Content-Length headers", async () => {
      const req = [
        `POST http://api.test:${upstream.port}/v1/post HTTP/1.1`,
        `Host: api.test:${upstream.port}`,
        `Proxy-Authorization: Bearer ${netCap}`,
        "Content-Length: 4",
        "Content-Length: 40",
        "",
        "abcd",
      ].join("\r\n");
      expectRefused(await rawExchange(proxy.port, req), "PROXY_FRAMING_AMBIGUOUS", 400);
    });

    it("rejects an Upgrade request", async () => {
      expectRefused(
        await rawExchange(proxy.port, get("/v1/ws", { ...bearer(), Connection: "Upgrade", Upgrade: "websocket" })),
        "PROXY_UPGRADE_FORBIDDEN",
        403,
      );
    });
  });
});
