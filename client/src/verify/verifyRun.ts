import type { Address, Hex } from "viem";

import type { Certificate } from "../protocol/certificate";
import type { ChainFacts } from "./chainFacts";
import { REPORT_VERSION, type RunReport, worstResult } from "./report";
import { type StepVerification, type VerifierConfig, verifyStep } from "./verifyStep";

/** A run's evidence: each step's files by step number, and the genesis state when at hand. */
export interface RunEvidence {
  readonly steps: ReadonlyMap<number, Readonly<Record<string, Uint8Array>>>;
  readonly genesisState?: Uint8Array;
}

/** A run's verification: the report and each step's verification, in step order. */
export interface RunVerification {
  readonly report: RunReport;
  readonly steps: readonly StepVerification[];
}

/**
 * Verifies every step of an entitlement, in order: steps 1..consumed (RPC facts) or 1..the highest step in the
 * evidence; each continues from the certificate already parsed for its fromStep, so nothing is parsed or
 * verified twice. The run is valid only when every step is; a step without evidence is a failed step.
 */
export function verifyRun(
  config: VerifierConfig,
  ref: { chainId: bigint; market: Address; entitlementId: bigint },
  evidence: RunEvidence,
  facts?: ChainFacts,
): RunVerification {
  const last = facts?.source === "rpc" ? facts.consumedSteps : Math.max(0, ...evidence.steps.keys());
  const certificates = new Map<number, { certificate: Certificate; hash: Hex }>();
  const steps: StepVerification[] = [];
  for (let step = 1; step <= last; step++) {
    const files = evidence.steps.get(step) ?? {};
    const fromStep = fromStepOf(files);
    const from = fromStep === undefined ? undefined : certificates.get(fromStep);
    const verification = verifyStep(
      config,
      { ...ref, step },
      {
        files,
        ...(from === undefined ? {} : { fromCertificate: from }),
        ...(evidence.genesisState === undefined ? {} : { genesisState: evidence.genesisState }),
      },
      facts,
    );
    if (verification.certificate !== undefined && verification.certificateHash !== undefined) {
      certificates.set(step, { certificate: verification.certificate, hash: verification.certificateHash });
    }
    steps.push(verification);
  }
  const results = steps.map((s) => s.report.result);
  const result = worstResult(results);
  const firstBad = steps.find((s) => s.report.result === result && result !== "valid");
  const missing = [...new Set(steps.flatMap((s) => s.report.missing))];
  return {
    report: {
      version: REPORT_VERSION,
      kind: "run",
      chainId: ref.chainId.toString(),
      market: ref.market.toLowerCase(),
      entitlementId: ref.entitlementId.toString(),
      result,
      ...(firstBad?.report.code === undefined ? {} : { code: firstBad.report.code }),
      missing: last === 0 ? ["evidence of at least one step"] : missing,
      steps: steps.map((s) => s.report),
    },
    steps,
  };
}

/** The fromStep a certificate.json names, read cheaply (the step's own verification parses it strictly). */
function fromStepOf(files: Readonly<Record<string, Uint8Array>>): number | undefined {
  const bytes = files["certificate.json"];
  if (bytes === undefined) return undefined;
  const match = /"fromStep":"(0|[1-9][0-9]{0,9})"/.exec(Buffer.from(bytes).toString("utf8"));
  return match === null ? undefined : Number(match[1]);
}
