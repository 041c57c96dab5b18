import { expect } from "chai";
import { type Hex, zeroHash } from "viem";

import {
  type Certificate,
  type CertificateInput,
  CertificateErrorCode,
  buildCertificate,
  certificateHash,
  parseCertificate,
  verifyContinuity,
  verifyGenesisContinuity,
} from "../../../client/src/protocol/certificate";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { canonicalJson, sha256Hex } from "../../../client/src/protocol/jcs";

const h = (byte: string): Hex => `0x${byte.repeat(32)}`;
const MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function input(overrides: Partial<CertificateInput> = {}): CertificateInput {
  return {
    market: { chainId: 31337n, address: MARKET },
    offerId: 1n,
    entitlementId: 7n,
    step: 1,
    fromStep: 0,
    permitDigest: h("a1"),
    commit: "0x30BACE97d4fbcd657d31d2de06068ab14b491473",
    policyHash: h("b2"),
    run: {
      repository: "octo-org/octo-repo",
      repositoryId: "632596897",
      runId: 27476101517n,
      runAttempt: 1,
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main",
      jobWorkflowSha: "0x30bace97d4fbcd657d31d2de06068ab14b491473",
      sha: "0x30bace97d4fbcd657d31d2de06068ab14b491473",
    },
    stateIn: h("01"),
    stateOut: h("02"),
    result: h("03"),
    nextTokens: h("04"),
    prevCertificate: zeroHash,
    issuedAt: new Date("2026-06-13T19:01:04.000Z"),
    ...overrides,
  };
}

function expectCode(action: () => unknown, code: string): void {
  try {
    action();
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    expect(err.code, err.message).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}, but nothing was thrown`);
}

/** The built certificate's JSON value with `edit` applied, as JCS bytes (canonical, so only the schema can object). */
function edited(edit: (c: Record<string, unknown>) => void): Uint8Array {
  const value = JSON.parse(new TextDecoder().decode(buildCertificate(input()).bytes)) as Record<string, unknown>;
  edit(value);
  return new TextEncoder().encode(canonicalJson(value));
}

describe("certificate.json", () => {
  it("is the JCS bytes of exactly the brief's fields, in the project encodings, hashed as they are", () => {
    const built = buildCertificate(input());
    const text = new TextDecoder().decode(built.bytes);
    expect(text).to.equal(
      '{"commit":"0x30bace97d4fbcd657d31d2de06068ab14b491473","entitlementId":"7","fromStep":"0",' +
        '"issuedAt":"2026-06-13T19:01:04.000Z","market":{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3",' +
        `"chainId":"31337"},"nextTokens":"${h("04")}","offerId":"1","permitDigest":"${h("a1")}",` +
        `"policyHash":"${h("b2")}","prevCertificate":"${zeroHash}","result":"${h("03")}",` +
        '"run":{"jobWorkflowRef":"octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main",' +
        '"jobWorkflowSha":"0x30bace97d4fbcd657d31d2de06068ab14b491473","repository":"octo-org/octo-repo",' +
        '"repositoryId":"632596897","runAttempt":"1","runId":"27476101517",' +
        '"sha":"0x30bace97d4fbcd657d31d2de06068ab14b491473"},' +
        `"stateIn":"${h("01")}","stateOut":"${h("02")}","step":"1","version":"swarm/certificate/v1"}`,
    );
    expect(built.certificateHash).to.equal(sha256Hex(built.bytes));
    expect(certificateHash(built.bytes)).to.equal(built.certificateHash);
    expect(parseCertificate(built.bytes)).to.deep.equal(built.certificate);
    expect(Object.isFrozen(built.certificate) && Object.isFrozen(built.certificate.run)).to.equal(true);
  });

  it("gives a tampered certificate another hash", () => {
    const built = buildCertificate(input());
    const tampered = edited((c) => (c.stateOut = h("05")));
    expect(certificateHash(tampered)).to.not.equal(built.certificateHash);
  });

  it("rejects non-canonical bytes instead of re-canonicalizing them", () => {
    const text = new TextDecoder().decode(buildCertificate(input()).bytes);
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    expectCode(() => parseCertificate(new TextEncoder().encode(pretty)), CertificateErrorCode.NOT_CANONICAL);
    expectCode(() => parseCertificate(new TextEncoder().encode(`${text}\n`)), CertificateErrorCode.NOT_CANONICAL);
    const reordered = `{"version":"swarm/certificate/v1",${text.slice(1).replace(',"version":"swarm/certificate/v1"', "")}`;
    expectCode(() => parseCertificate(new TextEncoder().encode(reordered)), CertificateErrorCode.NOT_CANONICAL);
  });

  it("rejects unknown and missing fields, at the top and inside run and market", () => {
    expectCode(() => parseCertificate(edited((c) => (c.extra = "x"))), CertificateErrorCode.SCHEMA_INVALID);
    expectCode(() => parseCertificate(edited((c) => delete c.nextTokens)), CertificateErrorCode.SCHEMA_INVALID);
    expectCode(
      () => parseCertificate(edited((c) => ((c.run as Record<string, unknown>).workflow = "x"))),
      CertificateErrorCode.SCHEMA_INVALID,
    );
    expectCode(
      () => parseCertificate(edited((c) => delete (c.market as Record<string, unknown>).chainId)),
      CertificateErrorCode.SCHEMA_INVALID,
    );
  });

  it("rejects another version before reading the rest", () => {
    expectCode(
      () => parseCertificate(edited((c) => ((c.version = "swarm/certificate/v2"), (c.extra = 1)))),
      CertificateErrorCode.VERSION_UNSUPPORTED,
    );
    expectCode(() => parseCertificate(edited((c) => delete c.version)), CertificateErrorCode.VERSION_UNSUPPORTED);
  });

  it("rejects values outside the project encodings", () => {
    const cases: Array<(c: Record<string, unknown>) => void> = [
      (c) => (c.step = 1),
      (c) => (c.step = "01"),
      (c) => (c.step = "0"),
      (c) => (c.commit = "0x30BACE97d4fbcd657d31d2de06068ab14b491473"),
      (c) => (c.stateIn = h("0")),
      (c) => (c.issuedAt = "2026-06-13T19:01:04Z"),
      (c) => (c.issuedAt = "2026-06-13T21:01:04.000+02:00"),
      (c) => (c.issuedAt = "2026-02-30T19:01:04.000Z"),
      (c) => (c.issuedAt = "2026-13-01T19:01:04.000Z"),
      (c) => ((c.run as Record<string, unknown>).jobWorkflowRef = "octo-org/octo-repo/.github/workflows/step.yml"),
      (c) => ((c.run as Record<string, unknown>).sha = "30bace97d4fbcd657d31d2de06068ab14b491473"),
      (c) => ((c.market as Record<string, unknown>).chainId = "0"),
      (c) => (c.entitlementId = (1n << 256n).toString()),
    ];
    for (const edit of cases) expectCode(() => parseCertificate(edited(edit)), CertificateErrorCode.SCHEMA_INVALID);
  });

  it("rejects a fromStep not below step, and a prevCertificate that does not match genesis", () => {
    expectCode(() => parseCertificate(edited((c) => (c.fromStep = "1"))), CertificateErrorCode.SCHEMA_INVALID);
    expectCode(
      () => parseCertificate(edited((c) => (c.prevCertificate = h("99")))),
      CertificateErrorCode.SCHEMA_INVALID,
    );
    expectCode(
      () => buildCertificate(input({ step: 3, fromStep: 2, prevCertificate: zeroHash })),
      CertificateErrorCode.SCHEMA_INVALID,
    );
  });

  it("rejects oversize, malformed UTF-8, a byte order mark and non-JSON", () => {
    expectCode(() => parseCertificate(new Uint8Array(16_385).fill(32)), CertificateErrorCode.TOO_LARGE);
    expectCode(() => parseCertificate(new Uint8Array([0x7b, 0xff, 0x7d])), CertificateErrorCode.ENCODING_INVALID);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...buildCertificate(input()).bytes]);
    expectCode(() => parseCertificate(bom), CertificateErrorCode.JSON_INVALID);
    expectCode(() => parseCertificate(new TextEncoder().encode("{")), CertificateErrorCode.JSON_INVALID);
  });

  describe("continuity", () => {
    const step1 = buildCertificate(input());
    const next = (overrides: Partial<CertificateInput> = {}): Certificate =>
      buildCertificate(
        input({
          step: 2,
          fromStep: 1,
          permitDigest: h("a2"),
          stateIn: step1.certificate.stateOut as Hex,
          stateOut: h("12"),
          prevCertificate: step1.certificateHash,
          ...overrides,
        }),
      ).certificate;

    it("accepts a step continuing its fromStep, and a step continuing genesis", () => {
      verifyContinuity(next(), step1.certificate, step1.certificateHash);
      verifyGenesisContinuity(step1.certificate, h("01"));
    });

    it("rejects a certificate naming another previous certificate", () => {
      expectCode(
        () => verifyContinuity(next({ prevCertificate: h("77") }), step1.certificate, step1.certificateHash),
        CertificateErrorCode.PREV_MISMATCH,
      );
    });

    it("rejects a step whose input state is not its fromStep's output", () => {
      expectCode(
        () => verifyContinuity(next({ stateIn: h("66") }), step1.certificate, step1.certificateHash),
        CertificateErrorCode.STATE_IN_MISMATCH,
      );
      expectCode(() => verifyGenesisContinuity(step1.certificate, h("66")), CertificateErrorCode.STATE_IN_MISMATCH);
    });

    it("rejects continuing another entitlement's or market's step", () => {
      expectCode(
        () => verifyContinuity(next({ entitlementId: 8n }), step1.certificate, step1.certificateHash),
        CertificateErrorCode.ENTITLEMENT_MISMATCH,
      );
      const otherMarket = { chainId: 31337n, address: "0x0000000000000000000000000000000000000001" } as const;
      expectCode(
        () => verifyContinuity(next({ market: otherMarket }), step1.certificate, step1.certificateHash),
        CertificateErrorCode.ENTITLEMENT_MISMATCH,
      );
    });

    it("rejects a certificate whose fromStep is not the previous certificate's step", () => {
      expectCode(
        () => verifyContinuity(next({ step: 3, fromStep: 2 }), step1.certificate, step1.certificateHash),
        CertificateErrorCode.FROM_STEP_MISMATCH,
      );
      expectCode(() => verifyGenesisContinuity(next(), h("01")), CertificateErrorCode.FROM_STEP_MISMATCH);
    });
  });
});
