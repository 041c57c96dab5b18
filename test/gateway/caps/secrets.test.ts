import { expect } from "chai";

import { GatewayError } from "../../../gateway/src/errors";
import { type MasterSecret, selectSecret, validateSecrets } from "../../../gateway/src/caps/secrets";

const secret = (fill: number, length = 32) => new Uint8Array(length).fill(fill);
const SECRETS: MasterSecret[] = [
  { kv: 1, startBlock: 0n, secret: secret(1) },
  { kv: 2, startBlock: 1000n, secret: secret(2) },
  { kv: 3, startBlock: 5000n, secret: secret(3, 64) },
];

function expectCode(f: () => unknown, code: string, status: number): void {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal(code);
    expect((err as GatewayError).status).to.equal(status);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("gateway/caps/secrets", () => {
  describe("selectSecret", () => {
    it("uses the new kv from exactly its startBlock, and the old one a block before", () => {
      expect(selectSecret(SECRETS, 999n).kv).to.equal(1);
      expect(selectSecret(SECRETS, 1000n).kv).to.equal(2);
      expect(selectSecret(SECRETS, 4999n).kv).to.equal(2);
      expect(selectSecret(SECRETS, 5000n).kv).to.equal(3);
      expect(selectSecret(SECRETS, 10n ** 12n).kv).to.equal(3);
    });

    it("keeps using a retired secret for entitlements bought under it", () => {
      expect(selectSecret(SECRETS, 0n).secret).to.deep.equal(secret(1));
    });

    it("does not depend on the order the secrets are listed in", () => {
      const shuffled = [SECRETS[2]!, SECRETS[0]!, SECRETS[1]!];
      for (const block of [0n, 999n, 1000n, 5000n]) {
        expect(selectSecret(shuffled, block).kv).to.equal(selectSecret(SECRETS, block).kv);
      }
    });

    it("refuses (503) a purchase that predates every configured secret", () => {
      const late = SECRETS.slice(1);
      expectCode(() => selectSecret(late, 999n), "CAPS_NO_SECRET", 503);
      expect(selectSecret(late, 1000n).kv).to.equal(2);
    });
  });

  describe("validateSecrets", () => {
    it("accepts a well-formed list", () => {
      expect(() => validateSecrets(SECRETS)).to.not.throw();
    });

    it("refuses an empty list", () => {
      expectCode(() => validateSecrets([]), "CAPS_SECRETS_INVALID", 500);
    });

    it("refuses two secrets with the same kv (a version that would name two keys)", () => {
      const dup = [...SECRETS, { kv: 2, startBlock: 9000n, secret: secret(4) }];
      expectCode(() => validateSecrets(dup), "CAPS_SECRETS_INVALID", 500);
    });

    it("refuses two secrets starting at the same block (an ambiguous choice)", () => {
      const dup = [...SECRETS, { kv: 4, startBlock: 5000n, secret: secret(4) }];
      expectCode(() => validateSecrets(dup), "CAPS_SECRETS_INVALID", 500);
      expectCode(() => selectSecret(dup, 5000n), "CAPS_SECRETS_INVALID", 500);
    });

    it("refuses a later secret carrying an older version number", () => {
      const backwards = [...SECRETS, { kv: 0, startBlock: 9000n, secret: secret(4) }];
      expectCode(() => validateSecrets(backwards), "CAPS_SECRETS_INVALID", 500);
    });

    it("refuses a secret shorter than 32 bytes", () => {
      const short = [{ kv: 1, startBlock: 0n, secret: secret(1, 31) }];
      expectCode(() => validateSecrets(short), "CAPS_SECRETS_INVALID", 500);
    });

    it("refuses a negative or fractional kv and a negative startBlock", () => {
      expectCode(() => validateSecrets([{ kv: -1, startBlock: 0n, secret: secret(1) }]), "CAPS_SECRETS_INVALID", 500);
      expectCode(() => validateSecrets([{ kv: 1.5, startBlock: 0n, secret: secret(1) }]), "CAPS_SECRETS_INVALID", 500);
      expectCode(() => validateSecrets([{ kv: 1, startBlock: -1n, secret: secret(1) }]), "CAPS_SECRETS_INVALID", 500);
    });

    it("never puts secret bytes in its messages", () => {
      try {
        validateSecrets([...SECRETS, { kv: 2, startBlock: 9000n, secret: secret(0x41) }]);
      } catch (err) {
        expect((err as Error).message).to.not.match(/AAAA|4141|65,65/);
        return;
      }
      expect.fail("expected a refusal");
    });
  });
});
