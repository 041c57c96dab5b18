import { decodeProtectedHeader } from "jose";
import type { Hex } from "viem";

import type { MarketReader } from "../chain/clients";
import { readStep } from "../chain/read";
import type { GatewayClient } from "../gateway/client";
import { ProtocolError } from "../protocol/errors";
import {
  type StateBundleBinding,
  type StateBundleKind,
  StateBundleErrorCode,
  StateBundleTyp,
  decryptStateBundle,
  verifyStateBundleShape,
} from "../protocol/stateBundle";
import { BuyerErrorCode } from "./errors";
import { type StateKeysInput, requestStateKeys, stateKeyOf } from "./stateKeys";

/** A step's encrypted outputs as laid out in its evidence folder: the JWE texts (or their file bytes). */
export type StepOutputFiles = Partial<Record<StateBundleKind, string | Uint8Array>>;

/** The decrypted outputs (those given), and the step's state key. */
export type StepOutput = Partial<Record<StateBundleKind, Uint8Array>> & { readonly stateKey: Hex };

function jweText(file: string | Uint8Array): string {
  return typeof file === "string" ? file : new TextDecoder("utf-8").decode(file).trim();
}

/**
 * The full permit digest a bundle names, refused unless it starts with the 21-byte prefix the market stored for
 * the consumed permit (the market itself identifies a consumed permit by that prefix).
 */
export function consumedPermitDigest(jwe: string, prefix: Hex, maxBytes: number): Hex {
  verifyStateBundleShape(jwe, maxBytes);
  let digest: unknown;
  try {
    digest = decodeProtectedHeader(jwe).permitDigest;
  } catch (cause) {
    throw new ProtocolError(StateBundleErrorCode.MALFORMED, "expected a JSON protected header", { cause });
  }
  if (typeof digest !== "string" || !/^0x[0-9a-f]{64}$/.test(digest) || !digest.startsWith(prefix.toLowerCase())) {
    throw new ProtocolError(StateBundleErrorCode.PERMIT_MISMATCH, `expected the permit consumed on-chain (${prefix}…)`);
  }
  return digest as Hex;
}

/**
 * Reads a settled step's output: checks the step is Settled on-chain, fetches its state key from the gateway (as
 * the buyer), and decrypts each given file (`decryptStateBundle`), requiring its header to name this entitlement,
 * this step, its kind, and the permit the market consumed for the step. `maxBytes` is the policy's
 * `limits.maxStateBytes`.
 */
export async function readStepOutput(
  reader: MarketReader,
  gateway: GatewayClient,
  input: Omit<StateKeysInput, "fromStep" | "toStep"> & {
    readonly step: number;
    readonly files: StepOutputFiles;
    readonly maxBytes: number;
  },
): Promise<StepOutput> {
  const { step, files, maxBytes, ...rest } = input;
  const onChain = await readStep(reader, input.entitlementId, step);
  if (step < 1 || onChain.status !== "Settled") {
    throw new ProtocolError(
      BuyerErrorCode.STATE_KEY_STEP_NOT_SETTLED,
      `expected step ${step} of ${input.entitlementId} Settled, got ${onChain.status}`,
    );
  }
  const kinds = (Object.keys(StateBundleTyp) as StateBundleKind[]).filter((k) => files[k] !== undefined);
  const texts = new Map(kinds.map((k) => [k, jweText(files[k]!)]));
  const digests = new Map(
    kinds.map((k) => [k, consumedPermitDigest(texts.get(k)!, onChain.permitDigestPrefix, maxBytes)]),
  );
  const keys = await requestStateKeys(reader, gateway, { ...rest, fromStep: step, toStep: step });
  const stateKey = stateKeyOf(keys, step);
  const output: Partial<Record<StateBundleKind, Uint8Array>> = {};
  for (const kind of kinds) {
    const binding: StateBundleBinding = {
      kind,
      entitlementId: input.entitlementId,
      step,
      permitDigest: digests.get(kind)!,
      maxBytes,
    };
    output[kind] = await decryptStateBundle(texts.get(kind)!, stateKey, binding);
  }
  return { ...output, stateKey };
}
