import { expect } from "chai";
import { GatewayError } from "../../../gateway/src/errors";
import { parseJsonObject, verifyJsonContentType, verifyJsonDepth } from "../../../gateway/src/http/readJsonBody";
import { type TestGateway, call, codeOf, rawRequest, startTestGateway } from "./harness";

const codeOfThrow = (action: () => unknown): string => {
  try {
    action();
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
  return "nothing thrown";
};

describe("gateway/http JSON bodies", () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway({ http: { bodyLimitBytes: 1024, maxJsonDepth: 8 } });
  });
  afterEach(() => gw.close());

  const post = (raw: string | Uint8Array, headers: Record<string, string> = {}) =>
    call(gw, "POST", "/v1/caps", { raw, headers });

  it("refuses malformed JSON with 400 BODY_MALFORMED and does not echo the input", async () => {
    for (const raw of ["{", '{"a":}', "{'a':1}", '{"a":1}x', "", "   "]) {
      const res = await post(raw);
      expect(res.status, raw).to.equal(400);
      expect(codeOf(res), raw).to.equal("BODY_MALFORMED");
    }
    const res = await post('{"token-like-secret": ');
    expect(res.text).to.not.include("token-like-secret");
    expect(gw.double.calls).to.have.length(0);
  });

  it("refuses a JSON body that is not an object (null, array, string, number, boolean) with BODY_MALFORMED", async () => {
    for (const raw of ["null", "[]", '[{"a":1}]', '"a string"', "42", "true"]) {
      const res = await post(raw);
      expect(res.status, raw).to.equal(400);
      expect(codeOf(res), raw).to.equal("BODY_MALFORMED");
    }
    expect(gw.double.calls).to.have.length(0);
  });

  it("refuses invalid UTF-8 and a byte-order mark instead of replacing them", async () => {
    const invalid = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(codeOf(await post(invalid))).to.equal("BODY_MALFORMED");
    expect(codeOf(await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")])))).to.equal(
      "BODY_MALFORMED",
    );
  });

  it("refuses nesting deeper than maxJsonDepth, which could overflow a later recursive walk", async () => {
    const nested = (n: number) => `{"a":${"[".repeat(n - 1)}${"]".repeat(n - 1)}}`;
    expect((await post(nested(8))).status).to.equal(200);
    const res = await post(nested(9));
    expect(res.status).to.equal(400);
    expect(codeOf(res)).to.equal("BODY_MALFORMED");
    expect((await post(`{"a":"${"[".repeat(50)}"}`)).status, "brackets inside a string are not nesting").to.equal(200);
  });

  it("refuses a __proto__ member, the prototype-pollution vector", async () => {
    const res = await post('{"permit":{"__proto__":{"admin":true}}}');
    expect(res.status).to.equal(400);
    expect(codeOf(res)).to.equal("BODY_MALFORMED");
    expect(gw.double.calls).to.have.length(0);
  });

  it("refuses a POST that is not application/json with 415 CONTENT_TYPE_UNSUPPORTED", async () => {
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/json; charset=latin1",
      "application/jsonx",
      "multipart/form-data; boundary=x",
    ]) {
      const res = await post("{}", { "content-type": type });
      expect(res.status, type).to.equal(415);
      expect(codeOf(res), type).to.equal("CONTENT_TYPE_UNSUPPORTED");
    }
    const res = await rawRequest(
      gw.url,
      Buffer.from("POST /v1/caps HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"),
    );
    expect(res.status, "no content type at all").to.equal(415);
    expect(gw.double.calls).to.have.length(0);
  });

  it("accepts application/json with a utf-8 charset in any case", async () => {
    for (const type of ["application/json", "Application/JSON; charset=UTF-8", 'application/json;charset="utf-8"']) {
      expect((await post("{}", { "content-type": type })).status, type).to.equal(200);
    }
  });

  it("refuses a compressed body (it could expand past the limit) with 415", async () => {
    const res = await post("{}", { "content-encoding": "gzip" });
    expect(res.status).to.equal(415);
    expect(codeOf(res)).to.equal("CONTENT_TYPE_UNSUPPORTED");
  });

  it("refuses a body over the limit with 413 BODY_TOO_LARGE, by declared length and by streamed length", async () => {
    const big = JSON.stringify({ a: "x".repeat(1100) });
    const declared = await post(big);
    expect(declared.status).to.equal(413);
    expect(codeOf(declared)).to.equal("BODY_TOO_LARGE");
    expect(declared.headers.get("connection")).to.equal("close");
    const chunked = await rawRequest(
      gw.url,
      Buffer.from(
        "POST /v1/caps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
          `${(600).toString(16)}\r\n${"x".repeat(600)}\r\n${(600).toString(16)}\r\n${"y".repeat(600)}\r\n0\r\n\r\n`,
      ),
    );
    expect(chunked.status).to.equal(413);
    expect(chunked.text).to.include('"BODY_TOO_LARGE"');
    expect(gw.double.calls).to.have.length(0);
    expect((await call(gw, "GET", "/healthz")).status).to.equal(200);
  });

  it("accepts a body of exactly the limit", async () => {
    const exact = JSON.stringify({ a: "" }).length;
    const body = JSON.stringify({ a: "x".repeat(1024 - exact) });
    expect(body.length).to.equal(1024);
    expect((await post(body)).status).to.equal(200);
  });

  it("defaults the limit to 64 KiB", async () => {
    const dflt = await startTestGateway();
    try {
      const pad = (n: number) => JSON.stringify({ a: "x".repeat(n - 8) });
      expect((await call(dflt, "POST", "/v1/caps", { raw: pad(64 * 1024) })).status).to.equal(200);
      expect((await call(dflt, "POST", "/v1/caps", { raw: pad(64 * 1024 + 1) })).status).to.equal(413);
    } finally {
      await dflt.close();
    }
  });

  describe("steps", () => {
    it("verifyJsonContentType refuses extra parameters", () => {
      expect(codeOfThrow(() => verifyJsonContentType("application/json; charset=utf-8; x=y"))).to.equal(
        "CONTENT_TYPE_UNSUPPORTED",
      );
      expect(codeOfThrow(() => verifyJsonContentType(undefined))).to.equal("CONTENT_TYPE_UNSUPPORTED");
    });

    it("verifyJsonDepth skips escaped quotes inside strings", () => {
      expect(() => verifyJsonDepth('{"a":"\\"[[[["}', 1)).to.not.throw();
      expect(codeOfThrow(() => verifyJsonDepth('{"a":{"b":1}}', 1))).to.equal("BODY_MALFORMED");
    });

    it("parseJsonObject returns the object for valid JSON with huge numbers and unicode", () => {
      expect(parseJsonObject('{"n":1e400,"s":"\\u00e9\u{1F600}"}')).to.deep.equal({ n: Infinity, s: "é\u{1F600}" });
    });
  });
});
