import { type Hex, getAddress } from "viem";
import { z } from "zod";

import type { StepPermit } from "./eip712";
import { ProtocolError } from "./errors";

const UINT = /^(0|[1-9][0-9]*)$/;
// zod runs refinements even after a regex failed: the form is tested again before BigInt can throw.
const uint = (bits: number) =>
  z
    .string()
    .regex(UINT, "a decimal string")
    .refine((s) => UINT.test(s) && BigInt(s) < 1n << BigInt(bits), `at most ${bits} bits`);
const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of lowercase hex`);

/** A StepPermit as it travels in JSON: integers as decimal strings, bytes and addresses as lowercase hex. */
export const stepPermitJson = z
  .object({
    entitlementId: uint(256),
    step: uint(32),
    fromStep: uint(32),
    runId: uint(64),
    runAttempt: uint(32),
    workerKey: hex(32),
    commit: hex(20),
    policyHash: hex(32),
    gateway: hex(20),
    deadline: uint(64),
  })
  .strict();

/** A permit signature as lowercase hex: 65 bytes for an EOA, other lengths (up to 4 KiB) for contract signers. */
export const permitSignatureJson = z.string().regex(/^0x([0-9a-f]{2}){1,4096}$/, "hex signature bytes");

/** Parses a JSON permit into its typed form, strictly (`PERMIT_MALFORMED`). */
export function parseStepPermitJson(value: unknown): StepPermit {
  const parsed = stepPermitJson.safeParse(value);
  if (!parsed.success) throw new ProtocolError("PERMIT_MALFORMED", `permit: ${z.prettifyError(parsed.error)}`);
  const p = parsed.data;
  return {
    entitlementId: BigInt(p.entitlementId),
    step: Number(p.step),
    fromStep: Number(p.fromStep),
    runId: BigInt(p.runId),
    runAttempt: Number(p.runAttempt),
    workerKey: p.workerKey as Hex,
    commit: p.commit as Hex,
    policyHash: p.policyHash as Hex,
    gateway: getAddress(p.gateway),
    deadline: BigInt(p.deadline),
  };
}
