import { expect } from "chai";
import { createHash } from "node:crypto";

import {
  POLICY_MAX_BYTES,
  PolicyErrorCode,
  parsePolicyCapsule,
  parsePolicyCapsuleBase64url,
} from "../../../../client/src/protocol/policy";

import { canonicalText, capsuleWith, encode, expectCode, sample } from "./draftCapsule";

const parseText = (text: string) => () => parsePolicyCapsule(encode(text));

describe("client/protocol/policy/parse", function () {
  describe("the reference capsule", function () {
    it("parses, and its hash is sha256 of the exact bytes", function () {
      const bytes = encode(canonicalText(sample()));
      const { capsule, policyHash } = parsePolicyCapsule(bytes);
      expect(capsule).to.deep.equal(sample());
      expect(policyHash).to.equal(`0x${createHash("sha256").update(bytes).digest("hex")}`);
    });

    it("returns a frozen capsule, so it cannot drift from its hash after parsing", function () {
      const { capsule } = parsePolicyCapsule(encode(canonicalText(sample())));
      expect(Object.isFrozen(capsule.identity.refs)).to.equal(true);
      expect(Object.isFrozen(capsule.egress.rules[0])).to.equal(true);
      expect(() => (capsule.identity.refs as string[]).push("refs/heads/evil")).to.throw(TypeError);
    });
  });

  describe("non-canonical bytes (one policy must have one hash)", function () {
    const canonical = canonicalText(sample());

    it("rejects reordered keys", function () {
      const s = sample();
      const reordered = JSON.stringify({
        version: s.version,
        identity: s.identity,
        egress: s.egress,
        limits: s.limits,
      });
      expectCode(parseText(reordered), PolicyErrorCode.NotCanonical);
    });

    it("rejects extra whitespace", function () {
      expectCode(parseText(JSON.stringify(sample(), null, 2)), PolicyErrorCode.NotCanonical);
      expectCode(parseText(canonical.replace('"version":', '"version": ')), PolicyErrorCode.NotCanonical);
    });

    it("rejects a trailing newline", function () {
      expectCode(parseText(`${canonical}\n`), PolicyErrorCode.NotCanonical);
    });

    it("rejects a unicode escape where JCS writes the character itself", function () {
      const escaped = canonical.replace('"repository":"octo-org', '"repository":"\\u006fcto-org');
      expect(escaped).to.not.equal(canonical);
      expectCode(parseText(escaped), PolicyErrorCode.NotCanonical);
    });

    it("rejects a number spelled otherwise than JCS spells it", function () {
      expectCode(
        parseText(canonical.replace('"maxSeconds":"3600"', '"maxSeconds":3.6e3')),
        PolicyErrorCode.NotCanonical,
      );
    });

    it("rejects a canonical number where the encoding requires a decimal string", function () {
      const err = expectCode(
        parseText(canonical.replace('"maxSeconds":"3600"', '"maxSeconds":3600')),
        PolicyErrorCode.SchemaInvalid,
      );
      expect(err.message).to.contain("limits.maxSeconds");
    });

    it("rejects a repeated key, which parsers resolve differently", function () {
      const tail = '"version":"swarm/policy/v1"}';
      expect(canonical.endsWith(tail)).to.equal(true);
      const repeated = canonical.replace(tail, `"version":"swarm/policy/v2",${tail}`);
      expectCode(parseText(repeated), PolicyErrorCode.NotCanonical);
    });

    it("rejects a byte order mark instead of dropping it", function () {
      expectCode(parseText(`\uFEFF${canonical}`), PolicyErrorCode.JsonInvalid);
    });

    it("rejects text that is not JSON", function () {
      expectCode(parseText(canonical.slice(0, -1)), PolicyErrorCode.JsonInvalid);
    });
  });

  describe("size and encoding", function () {
    it("rejects a capsule over 64 KiB before parsing it", function () {
      const big = capsuleWith((d) => {
        d.egress.rules = Array.from({ length: 800 }, (_, i) => ({
          effect: "allow",
          scheme: "https",
          host: `host${i}.example.com`,
          port: "443",
          methods: ["GET"],
          pathPrefix: `/v1/${"x".repeat(40)}/`,
        }));
      });
      expect(big.byteLength).to.be.greaterThan(POLICY_MAX_BYTES);
      expectCode(() => parsePolicyCapsule(big), PolicyErrorCode.TooLarge);
      expectCode(() => parsePolicyCapsule(new Uint8Array(POLICY_MAX_BYTES + 1)), PolicyErrorCode.TooLarge);
    });

    it("rejects invalid UTF-8 instead of replacing it", function () {
      const good = encode(canonicalText(sample()));
      const at = canonicalText(sample()).indexOf("octo-org");
      for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
        const bytes = new Uint8Array([...good.slice(0, at), ...bad, ...good.slice(at + 1)]);
        expectCode(() => parsePolicyCapsule(bytes), PolicyErrorCode.EncodingInvalid);
      }
    });

    it("rejects input that is not bytes", function () {
      const text = canonicalText(sample()) as unknown as Uint8Array;
      expectCode(() => parsePolicyCapsule(text), PolicyErrorCode.EncodingInvalid);
    });
  });

  describe("version", function () {
    it("rejects a version other than swarm/policy/v1", function () {
      for (const v of ["swarm/policy/v2", "swarm/policy/V1", "swarm/policy/v1 ", 1]) {
        expectCode(() => parsePolicyCapsule(capsuleWith((d) => (d.version = v))), PolicyErrorCode.VersionUnsupported);
      }
    });

    it("rejects a later version with unknown fields as unsupported, not as a schema error", function () {
      const bytes = capsuleWith((d) => {
        d.version = "swarm/policy/v2";
        d.attestations = { required: true };
      });
      expectCode(() => parsePolicyCapsule(bytes), PolicyErrorCode.VersionUnsupported);
    });

    it("rejects a capsule with no version", function () {
      expectCode(() => parsePolicyCapsule(capsuleWith((d) => delete d.version)), PolicyErrorCode.SchemaInvalid);
    });

    it("rejects a JSON array or string posing as a capsule", function () {
      expectCode(parseText('["swarm/policy/v1"]'), PolicyErrorCode.SchemaInvalid);
      expectCode(parseText('"swarm/policy/v1"'), PolicyErrorCode.SchemaInvalid);
    });
  });

  describe("base64url transport (the gateway's policy.capsule)", function () {
    const bytes = encode(canonicalText(sample()));
    const text = Buffer.from(bytes).toString("base64url");

    it("parses unpadded base64url of the JCS bytes, with the same hash", function () {
      expect(parsePolicyCapsuleBase64url(text)).to.deep.equal(parsePolicyCapsule(bytes));
    });

    it("rejects padding, the standard alphabet and whitespace", function () {
      const std = Buffer.from(new Uint8Array([0xfb, 0xff, 0xfe, ...bytes])).toString("base64");
      expect(std).to.match(/[+/]/);
      for (const bad of [
        `${text}=`,
        `${text}==`,
        std,
        ` ${text}`,
        `${text}\n`,
        `${text.slice(0, 8)}.${text.slice(8)}`,
      ]) {
        expectCode(() => parsePolicyCapsuleBase64url(bad), PolicyErrorCode.EncodingInvalid);
      }
    });

    it("rejects a second spelling of the same bytes (non-zero trailing bits)", function () {
      const short = Buffer.from("ab").toString("base64url"); // "YWI": the last character carries 2 unused bits
      const last = short.at(-1)!;
      const sibling = short.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
      expect(Buffer.from(sibling, "base64url").toString()).to.equal("ab");
      expectCode(() => parsePolicyCapsuleBase64url(sibling), PolicyErrorCode.EncodingInvalid);
    });

    it("rejects text too long to decode into 64 KiB before decoding it", function () {
      expectCode(() => parsePolicyCapsuleBase64url("A".repeat(90_000)), PolicyErrorCode.TooLarge);
    });

    it("rejects a non-canonical capsule even when it arrives base64url-encoded", function () {
      const pretty = Buffer.from(`${canonicalText(sample())}\n`).toString("base64url");
      expectCode(() => parsePolicyCapsuleBase64url(pretty), PolicyErrorCode.NotCanonical);
    });
  });
});
