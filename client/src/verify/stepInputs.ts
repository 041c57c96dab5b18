import type { Hex } from "viem";

import type { Certificate } from "../protocol/certificate";
import { type StepRef, parseStepCertificate } from "./certificateChecks";
import type { ChainFacts } from "./chainFacts";
import { UncheckedCode, VerifyCode } from "./codes";
import { CheckUnchecked, failVerify } from "./failure";
import { CHAIN_FACTS_FILE, parseRecordedChainFacts } from "./recordedChainFacts";

/** File names of a step's evidence folder that verification reads. */
export const STEP_FILES = {
  certificate: "certificate.json",
  bundle: "certificate.sigstore.json",
  state: "state.jwe",
  result: "result.jwe",
  nextTokens: "next_tokens.jwe",
} as const;

/** The bundle file as JSON (else FAILURE_BUNDLE_MALFORMED). */
export function bundleJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    failVerify(VerifyCode.BUNDLE_MALFORMED, "expected the Sigstore bundle as UTF-8 JSON", cause);
  }
}

/** The fromStep certificate, parsed (bytes) or as passed along by a run. */
export function fromOf(evidence: {
  readonly fromCertificate?: Uint8Array | { readonly certificate: Certificate; readonly hash: Hex };
}): { certificate: Certificate; hash: Hex } | undefined {
  const from = evidence.fromCertificate;
  if (from === undefined) return undefined;
  return from instanceof Uint8Array ? parseStepCertificate(from) : from;
}

/** Chain facts for the step: the given ones, else the evidence's recorded chain.json; none: indeterminate. */
export function chainFactsOf(
  ref: StepRef,
  files: Readonly<Record<string, Uint8Array>>,
  given: ChainFacts | undefined,
): ChainFacts {
  const recorded = files[CHAIN_FACTS_FILE];
  const facts = given ?? (recorded === undefined ? undefined : parseRecordedChainFacts(recorded));
  if (facts === undefined) {
    const what = `chain facts (an RPC, or ${CHAIN_FACTS_FILE} in the evidence)`;
    throw new CheckUnchecked(UncheckedCode.CHAIN_FACTS_MISSING, `no ${what}`, [what], true);
  }
  const same =
    facts.chainId === ref.chainId &&
    facts.market.toLowerCase() === ref.market.toLowerCase() &&
    facts.entitlementId === ref.entitlementId;
  if (!same) failVerify(VerifyCode.PERMIT_MISMATCH, "the chain facts are of another market or entitlement");
  if (!facts.consumed.has(ref.step)) failVerify(VerifyCode.PERMIT_MISMATCH, `step ${ref.step} was not consumed`);
  return facts;
}
