import { expect } from "chai";

import { attestCertificate } from "../../../client/src/attest";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { type ChainFacts, verifyStep } from "../../../client/src/verify";
import { type ChainWorld, type StepFiles, startChainWorld } from "./chainWorld";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every leaf of a JSON value, as a path and its value. */
function leaves(value: Json, path: (string | number)[] = []): { path: (string | number)[]; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Another value of the same kind: a decimal +1, hex with its last digit changed, a date 1 ms later, else a suffix. */
function changed(value: Json): Json {
  if (typeof value !== "string") return typeof value === "number" ? value + 1 : !value;
  if (/^(0|[1-9][0-9]*)$/.test(value)) return (BigInt(value) + 1n).toString();
  if (/^0x[0-9a-f]+$/.test(value)) return value.slice(0, -1) + (value.endsWith("0") ? "1" : "0");
  if (/^\d{4}-\d\d-\d\dT/.test(value)) return new Date(Date.parse(value) + 1).toISOString();
  if (value.includes("@")) return value.replace(/@.*$/, "@refs/heads/dev");
  return `${value}x`;
}

/** The byte offsets a base64 field is mutated at: 9 regions spread over its bytes, the last byte included. */
function offsets(length: number): number[] {
  return [
    ...new Set([0, 1, ...Array.from({ length: 7 }, (_, i) => Math.floor(((i + 1) * length) / 8)), length - 1]),
  ].filter((o) => o >= 0 && o < length);
}

const BASE64 = /^[A-Za-z0-9+/]{8,}={0,2}$/;

describe("client/verify tampering campaign: every certificate field, every bundle region, alone → invalid", function () {
  this.timeout(300_000);
  let w: ChainWorld;
  let id: bigint;
  let files: StepFiles;
  let tsaFiles: StepFiles;
  let facts: ChainFacts;
  let tried = 0;

  before(async () => {
    w = await startChainWorld();
    id = await w.buy(2);
    tsaFiles = await w.runStep(id, 1, 0, "tsa");
    files = await w.runStep(id, 2, 1, "tlog");
    facts = await w.facts(id);
  });
  after(async () => {
    console.log(`      mutations tried: ${tried}`);
    await w?.stop();
  });

  /** Verifies step 2 (Rekor, from step 1) or step 1 (TSA, from genesis). */
  const run = async (f: StepFiles, step = 2) =>
    verifyStep(
      w.config,
      { chainId: w.chainId, market: w.market, entitlementId: id, step },
      step === 2 ? { files: f, fromCertificate: tsaFiles["certificate.json"]! } : { files: f },
      facts,
    );

  it("verifies the untouched step as valid (so every mutation below is what makes it fail)", async () => {
    expect((await run(files)).report.result).to.equal("valid");
    expect((await run(tsaFiles, 1)).report.result).to.equal("valid");
  });

  it("rejects every certificate field changed alone, under the original bundle", async () => {
    const cert = JSON.parse(Buffer.from(files["certificate.json"]!).toString("utf8")) as Json;
    let count = 0;
    for (const leaf of leaves(cert)) {
      const bytes = new TextEncoder().encode(canonicalJson(setAt(cert, leaf.path, changed(leaf.value))));
      const v = await run({ ...files, "certificate.json": bytes });
      expect(v.report.result, leaf.path.join(".")).to.equal("invalid");
      count++;
    }
    tried += count;
    expect(count).to.equal(23);
  });

  it("rejects every certificate field changed alone and re-attested by the same run (the runner lying)", async () => {
    const cert = JSON.parse(Buffer.from(files["certificate.json"]!).toString("utf8")) as Json;
    const runId = (cert as { run: { runId: string } }).run.runId;
    const token = w.stack.issuer.mint({ aud: "sigstore" }, { context: { runId, runAttempt: "1" } });
    const informational = ["issuedAt"];
    let count = 0;
    for (const leaf of leaves(cert)) {
      const name = leaf.path.join(".");
      const bytes = new TextEncoder().encode(canonicalJson(setAt(cert, leaf.path, changed(leaf.value))));
      let bundle;
      try {
        bundle = await attestCertificate({
          certificateBytes: bytes,
          token,
          sigstore: { fulcioUrl: w.sigstore.fulcioUrl, tsaUrl: w.sigstore.tsaUrl },
        });
      } catch {
        continue; // the attester refuses what is not even a certificate (e.g. a changed market address shape)
      }
      const v = await run({
        ...files,
        "certificate.json": bytes,
        "certificate.sigstore.json": new TextEncoder().encode(JSON.stringify(bundle)),
      });
      count++;
      expect(
        v.report.result,
        `${name}: ${JSON.stringify(v.report.checks.filter((c) => c.status !== "passed"))}`,
      ).to.equal(informational.includes(name) ? "valid" : "invalid");
    }
    tried += count;
    expect(count).to.be.above(15);
  });

  for (const [kind, step] of [
    ["public-good style (Rekor entry)", 2],
    ["GitHub style (RFC 3161 timestamp)", 1],
  ] as const) {
    it(`rejects every byte region of a ${kind} Sigstore bundle changed alone`, async () => {
      const source = step === 2 ? files : tsaFiles;
      const bundle = JSON.parse(Buffer.from(source["certificate.sigstore.json"]!).toString("utf8")) as Json;
      const survivors: string[] = [];
      let count = 0;
      for (const leaf of leaves(bundle)) {
        const variants: Json[] = [];
        if (typeof leaf.value === "string" && BASE64.test(leaf.value) && !/^\d+$/.test(leaf.value)) {
          const bytes = Buffer.from(leaf.value, "base64");
          for (const at of offsets(bytes.length)) {
            const copy = Buffer.from(bytes);
            copy[at]! ^= 0x01;
            variants.push(copy.toString("base64"));
          }
        } else {
          variants.push(changed(leaf.value));
        }
        for (const [i, variant] of variants.entries()) {
          const mutated = new TextEncoder().encode(JSON.stringify(setAt(bundle, leaf.path, variant)));
          const v = await run({ ...source, "certificate.sigstore.json": mutated }, step);
          count++;
          if (v.report.result !== "invalid") survivors.push(`${leaf.path.join(".")} #${i}`);
        }
      }
      tried += count;
      expect(survivors, survivors.join("\n")).to.deep.equal([]);
      expect(count).to.be.above(25);
    });
  }
});
