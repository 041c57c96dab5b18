import { expect } from "chai";
import { createPublicKey } from "node:crypto";
import { CompactEncrypt } from "jose";
import { type Address, type Hex, concat, encodeAbiParameters, hashTypedData, keccak256, toHex } from "viem";

import { isProtocolError } from "../../../client/src/protocol/errors";
import { type StateKeyRequest, marketDomain, stateKeyRequestTypes } from "../../../client/src/protocol/eip712";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import {
  decryptStateKeys,
  parseStateKeyRequest,
  stateKeyRequestToJson,
  stateKeyRequestTypedData,
} from "../../../client/src/protocol/stateKeyRequest";

const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const recipient = generateWorkerKeyPair();
const REQUEST: StateKeyRequest = {
  entitlementId: 7n,
  fromStep: 1,
  toStep: 2,
  recipientKey: jwkThumbprint(recipient.publicJwk),
  gateway: "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  deadline: 1_700_000_120n,
};
const WIRE = stateKeyRequestToJson(REQUEST);

function expectCode(f: () => unknown, code: string): void {
  let failure: unknown;
  try {
    f();
  } catch (err) {
    failure = err;
  }
  expect(isProtocolError(failure, code), `expected ${code}, got ${String(failure)}`).to.equal(true);
}

async function expectRejects(call: Promise<unknown>, code: string): Promise<void> {
  let failure: unknown;
  await call.catch((err: unknown) => (failure = err));
  expect(isProtocolError(failure, code), `expected ${code}, got ${String(failure)}`).to.equal(true);
}

/** A reply correctly encrypted to the recipient, with whatever header and payload the attack needs. */
function reply(header: Record<string, unknown>, payload: unknown): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(typeof payload === "string" ? payload : canonicalJson(payload)))
    .setProtectedHeader({ alg: "ECDH-ES+A256KW", enc: "A256GCM", ...header })
    .encrypt(createPublicKey({ key: { ...recipient.publicJwk }, format: "jwk" }));
}
const HEADER = { typ: "swarm-state-keys+jwe", entitlementId: "7", fromStep: "1", toStep: "2", kv: "3" };
const KEYS = [
  { step: "1", key: `0x${"11".repeat(32)}` },
  { step: "2", key: `0x${"22".repeat(32)}` },
];

describe("protocol/stateKeyRequest", () => {
  describe("EIP-712 type", () => {
    it("hashes as StateKeyRequest(uint256 entitlementId,uint32 fromStep,uint32 toStep,bytes32 recipientKey,address gateway,uint64 deadline)", () => {
      const typeHash = keccak256(
        toHex(
          "StateKeyRequest(uint256 entitlementId,uint32 fromStep,uint32 toStep,bytes32 recipientKey,address gateway,uint64 deadline)",
        ),
      );
      const structHash = keccak256(
        encodeAbiParameters(
          [
            { type: "bytes32" },
            { type: "uint256" },
            { type: "uint32" },
            { type: "uint32" },
            { type: "bytes32" },
            { type: "address" },
            { type: "uint64" },
          ],
          [typeHash, 7n, 1, 2, REQUEST.recipientKey, REQUEST.gateway, REQUEST.deadline],
        ),
      );
      const domain = marketDomain(31337n, MARKET);
      const separator = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
          [
            keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
            keccak256(toHex("SwarmMarket")),
            keccak256(toHex("1")),
            31337n,
            MARKET,
          ],
        ),
      );
      const expected = keccak256(concat(["0x1901", separator, structHash]));
      expect(hashTypedData(stateKeyRequestTypedData(domain, REQUEST))).to.equal(expected);
      expect(stateKeyRequestTypes.StateKeyRequest.map((f) => f.name)).to.deep.equal([
        "entitlementId",
        "fromStep",
        "toStep",
        "recipientKey",
        "gateway",
        "deadline",
      ]);
    });
  });

  describe("parseStateKeyRequest", () => {
    it("round-trips the wire form: decimal strings, lowercase hex", () => {
      expect(WIRE).to.deep.equal({
        entitlementId: "7",
        fromStep: "1",
        toStep: "2",
        recipientKey: REQUEST.recipientKey,
        gateway: REQUEST.gateway,
        deadline: "1700000120",
      });
      expect(parseStateKeyRequest(WIRE)).to.deep.equal(REQUEST);
    });

    it("rejects extra or missing fields", () => {
      expectCode(() => parseStateKeyRequest({ ...WIRE, chainKey: "1" }), "STATE_KEY_REQUEST_MALFORMED");
      const noDeadline = Object.fromEntries(Object.entries(WIRE).filter(([k]) => k !== "deadline"));
      expectCode(() => parseStateKeyRequest(noDeadline), "STATE_KEY_REQUEST_MALFORMED");
    });

    it("rejects numbers as JSON numbers, leading zeros, negatives and a uint32 overflow", () => {
      expectCode(() => parseStateKeyRequest({ ...WIRE, fromStep: 1 }), "STATE_KEY_REQUEST_MALFORMED");
      expectCode(() => parseStateKeyRequest({ ...WIRE, toStep: "02" }), "STATE_KEY_REQUEST_MALFORMED");
      expectCode(() => parseStateKeyRequest({ ...WIRE, toStep: "-1" }), "STATE_KEY_REQUEST_MALFORMED");
      expectCode(() => parseStateKeyRequest({ ...WIRE, toStep: "4294967296" }), "STATE_KEY_REQUEST_MALFORMED");
      expectCode(
        () => parseStateKeyRequest({ ...WIRE, deadline: (1n << 64n).toString() }),
        "STATE_KEY_REQUEST_MALFORMED",
      );
    });

    it("rejects uppercase or short hex", () => {
      expectCode(() => parseStateKeyRequest({ ...WIRE, gateway: MARKET }), "STATE_KEY_REQUEST_MALFORMED");
      expectCode(() => parseStateKeyRequest({ ...WIRE, recipientKey: "0x1234" }), "STATE_KEY_REQUEST_MALFORMED");
    });

    it("rejects non-objects", () => {
      for (const v of [null, [], "{}", 7]) expectCode(() => parseStateKeyRequest(v), "STATE_KEY_REQUEST_MALFORMED");
    });
  });

  describe("decryptStateKeys", () => {
    it("returns step → key for exactly the requested steps", async () => {
      const { kv, keys } = await decryptStateKeys(await reply(HEADER, { keys: KEYS }), recipient.privateKey, REQUEST);
      expect(kv).to.equal(3);
      expect([...keys.entries()]).to.deep.equal([
        [1, KEYS[0]!.key],
        [2, KEYS[1]!.key],
      ]);
    });

    it("refuses a reply to another request (other range or entitlement)", async () => {
      const other = await reply({ ...HEADER, toStep: "3" }, { keys: KEYS });
      await expectRejects(decryptStateKeys(other, recipient.privateKey, REQUEST), "STATE_KEYS_HEADER_INVALID");
      const otherId = await reply({ ...HEADER, entitlementId: "8" }, { keys: KEYS });
      await expectRejects(decryptStateKeys(otherId, recipient.privateKey, REQUEST), "STATE_KEYS_HEADER_INVALID");
    });

    it("refuses a step's caps JWE passed off as a state-keys reply", async () => {
      const caps = await reply({ ...HEADER, typ: "swarm-caps+jwe" }, { keys: KEYS });
      await expectRejects(decryptStateKeys(caps, recipient.privateKey, REQUEST), "STATE_KEYS_HEADER_INVALID");
    });

    it("refuses a payload missing a step, with steps out of order, not canonical, or null", async () => {
      const one = await reply(HEADER, { keys: KEYS.slice(0, 1) });
      await expectRejects(decryptStateKeys(one, recipient.privateKey, REQUEST), "STATE_KEYS_PAYLOAD_INVALID");
      const swapped = await reply(HEADER, { keys: [KEYS[1], KEYS[0]] });
      await expectRejects(decryptStateKeys(swapped, recipient.privateKey, REQUEST), "STATE_KEYS_PAYLOAD_INVALID");
      const spaced = await reply(HEADER, JSON.stringify({ keys: KEYS }, null, 2));
      await expectRejects(decryptStateKeys(spaced, recipient.privateKey, REQUEST), "STATE_KEYS_PAYLOAD_INVALID");
      const nullPayload = await reply(HEADER, "null");
      await expectRejects(decryptStateKeys(nullPayload, recipient.privateKey, REQUEST), "STATE_KEYS_PAYLOAD_INVALID");
      const badKey = await reply(HEADER, { keys: [KEYS[0], { step: "2", key: "0x22" as Hex }] });
      await expectRejects(decryptStateKeys(badKey, recipient.privateKey, REQUEST), "STATE_KEYS_PAYLOAD_INVALID");
    });
  });
});
