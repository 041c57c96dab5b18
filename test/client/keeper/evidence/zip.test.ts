import { expect } from "chai";

import { KeeperErrorCode } from "../../../../client/src/keeper/errors";
import { readZip } from "../../../../client/src/keeper/evidence/zip";
import { isProtocolError } from "../../../../client/src/protocol/errors";
import { writeZip } from "../../../../devnet/github/zip";

const LIMITS = { maxEntries: 8, maxEntryBytes: 1024, maxTotalBytes: 2048 };
const enc = (s: string) => new TextEncoder().encode(s);

function expectZipInvalid(bytes: Uint8Array, limits = LIMITS): void {
  try {
    readZip(bytes, limits);
  } catch (err) {
    expect(isProtocolError(err, KeeperErrorCode.ZIP_INVALID), String(err)).to.equal(true);
    return;
  }
  expect.fail("expected KEEPER_ZIP_INVALID");
}

describe("keeper zip reader", () => {
  it("reads the files of a deflated archive", () => {
    const files = readZip(
      writeZip([
        ["certificate.json", enc('{"a":1}')],
        ["state.jwe", enc("x".repeat(500))],
        ["empty", new Uint8Array()],
      ]),
      LIMITS,
    );
    expect([...files.keys()]).to.deep.equal(["certificate.json", "state.jwe", "empty"]);
    expect(new TextDecoder().decode(files.get("state.jwe"))).to.equal("x".repeat(500));
    expect(files.get("empty")!.length).to.equal(0);
  });

  it("rejects a path-traversal entry name", () => {
    expectZipInvalid(writeZip([["../evil", enc("x")]]));
    expectZipInvalid(writeZip([["dir/nested.json", enc("x")]]));
  });

  it("rejects an entry whose bytes were altered (CRC-32)", () => {
    const zip = writeZip([["a.txt", enc("a".repeat(100))]]);
    const copy = new Uint8Array(zip);
    copy[30 + "a.txt".length + 1]! ^= 0xff;
    expectZipInvalid(copy);
  });

  it("rejects a zip bomb: an entry larger than the limit", () => {
    expectZipInvalid(writeZip([["big", new Uint8Array(4096)]]));
  });

  it("rejects more entries than allowed, and duplicates", () => {
    const many = Array.from({ length: 9 }, (_, i) => [`f${i}`, enc("x")] as const);
    expectZipInvalid(writeZip(many));
    expectZipInvalid(
      writeZip([
        ["a", enc("x")],
        ["a", enc("y")],
      ]),
    );
  });

  it("rejects a truncated archive and bytes that are not a zip", () => {
    const zip = writeZip([["a.txt", enc("hello")]]);
    expectZipInvalid(zip.subarray(0, zip.length - 10));
    expectZipInvalid(enc("not a zip at all, just some text that is long enough"));
  });
});
