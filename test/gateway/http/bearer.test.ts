import { expect } from "chai";
import { bearerOf } from "../../../gateway/src/http/bearer";

describe("gateway/http bearerOf", () => {
  it("takes the token of a Bearer header, the scheme in any case", () => {
    expect(bearerOf("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig-_")).to.equal(
      "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig-_",
    );
    expect(bearerOf("bearer abc")).to.equal("abc");
    expect(bearerOf("BEARER abc==")).to.equal("abc==");
  });

  it("hands no token for another scheme that carries a credential", () => {
    expect(bearerOf("Basic dXNlcjpwYXNz")).to.equal(undefined);
    expect(bearerOf("Token abc")).to.equal(undefined);
    expect(bearerOf("Bearerx abc")).to.equal(undefined);
  });

  it("hands no token for the scheme alone, an empty header or a missing one", () => {
    expect(bearerOf("Bearer")).to.equal(undefined);
    expect(bearerOf("Bearer ")).to.equal(undefined);
    expect(bearerOf("")).to.equal(undefined);
    expect(bearerOf(undefined)).to.equal(undefined);
  });

  it("hands no token when a second value is smuggled after it or it holds characters RFC 6750 forbids", () => {
    expect(bearerOf("Bearer abc def")).to.equal(undefined);
    expect(bearerOf("Bearer abc,Bearer def")).to.equal(undefined);
    expect(bearerOf('Bearer "abc"')).to.equal(undefined);
    expect(bearerOf("Bearer a=b")).to.equal(undefined);
  });
});
