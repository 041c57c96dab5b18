import { createHash } from "node:crypto";
import { expect } from "chai";

import {
  ATTEST_CODES,
  CERTIFICATE_SUBJECT_NAME,
  IN_TOTO_STATEMENT_TYPE,
  STEP_CERTIFICATE_PREDICATE_TYPE,
  buildStepStatement,
} from "../../../client/src/attest";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { certificateBytes, expectProtocolError } from "../../devnet/sigstore/sigstoreWorld";

describe("client/attest statement", () => {
  it("makes an in-toto Statement v1 whose only subject is certificate.json with the bytes' sha256", () => {
    const bytes = certificateBytes(3);
    expect(buildStepStatement(bytes)).to.deep.equal({
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [
        { name: CERTIFICATE_SUBJECT_NAME, digest: { sha256: createHash("sha256").update(bytes).digest("hex") } },
      ],
      predicateType: STEP_CERTIFICATE_PREDICATE_TYPE,
      predicate: {
        chainId: "31337",
        market: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        entitlementId: "7",
        step: "3",
      },
    });
    expect(IN_TOTO_STATEMENT_TYPE).to.equal("https://in-toto.io/Statement/v1");
    expect(STEP_CERTIFICATE_PREDICATE_TYPE).to.equal("https://swarm.dev/step-certificate/v1");
  });

  it("refuses a certificate that is not JCS canonical rather than re-canonicalizing it", async () => {
    const certificate = JSON.parse(certificateBytes().toString("utf8")) as Record<string, unknown>;
    for (const text of [
      JSON.stringify(certificate, null, 2),
      `${canonicalJson(certificate)}\n`,
      JSON.stringify({ step: certificate.step, ...certificate }),
    ]) {
      await expectProtocolError(() => buildStepStatement(Buffer.from(text)), ATTEST_CODES.CERTIFICATE_MALFORMED);
    }
  });

  it("refuses bytes that are not UTF-8 JSON", async () => {
    await expectProtocolError(() => buildStepStatement(Buffer.from("not json")), ATTEST_CODES.CERTIFICATE_MALFORMED);
    const invalidUtf8 = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    await expectProtocolError(() => buildStepStatement(invalidUtf8), ATTEST_CODES.CERTIFICATE_MALFORMED);
  });

  it("refuses a certificate whose step fields break the encodings (numbers, mixed-case address, step 0)", async () => {
    const base = JSON.parse(certificateBytes().toString("utf8")) as Record<string, unknown>;
    const market = base.market as Record<string, unknown>;
    for (const broken of [
      { ...base, step: 1 },
      { ...base, step: "0" },
      { ...base, entitlementId: "07" },
      { ...base, market: { ...market, address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } },
      { ...base, market: { ...market, chainId: 31337 } },
      { ...base, market: undefined },
      [base],
    ]) {
      const bytes = Buffer.from(canonicalJson(broken));
      await expectProtocolError(() => buildStepStatement(bytes), ATTEST_CODES.CERTIFICATE_MALFORMED);
    }
  });
});
