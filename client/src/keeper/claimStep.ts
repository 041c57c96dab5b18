import { type Address, type Hex, zeroHash } from "viem";

import type { MarketWriter } from "../chain/clients";
import type { StepState } from "../chain/types";
import { sha256Hex } from "../protocol/jcs";
import { type ActionResult, sendClaim } from "./actions";
import type { AttestationSource } from "./attestationSource";
import { type ConsumedStep, type MarketRef } from "./consumedStep";
import { recoverConsumedPermit } from "./consumedPermit";
import { KeeperErrorCode, keeperFail } from "./errors";
import type { EvidenceSource } from "./evidence/source";
import { type Quorum, type SourceNote, collectQuorum } from "./quorum";

/** What claiming one step needs. */
export interface ClaimContext {
  readonly writer: MarketWriter;
  readonly ref: MarketRef;
  readonly evidence: EvidenceSource;
  readonly attestations: readonly AttestationSource[];
  /** Finds the StepConsumed event of another step (the fromStep). */
  readonly consumedOf: (entitlementId: bigint, step: number) => Promise<ConsumedStep | undefined>;
}

/** A claim made (or found already made), with the quorum it carried. */
export interface ClaimOutcome {
  readonly result: ActionResult;
  readonly quorum: Quorum;
  readonly notes: readonly SourceNote[];
}

/**
 * Claims a consumed step, as a checklist: rebuild the consumed permit from its transaction → read the step's
 * evidence (and, for a step from genesis, the genesis state when the source has it) → read the fromStep's
 * certificate (its hash must be the one the market stored at its claim) → ask the verifiers → keep a quorum of
 * valid signatures over exactly the expected attestation → send `claim`.
 * `fromStep` is the fromStep's on-chain state (undefined for a step from genesis); the caller has checked that it
 * holds a certificate.
 */
export async function claimStep(
  ctx: ClaimContext,
  consumed: ConsumedStep,
  fromStep: StepState | undefined,
  offer: { readonly verifiers: readonly Address[]; readonly quorum: number },
  notes: SourceNote[] = [],
): Promise<ClaimOutcome> {
  const permit = await recoverConsumedPermit(ctx.writer.publicClient, ctx.ref, consumed);
  const files = await ctx.evidence.stepFiles(consumed);
  let fromCertificate: Uint8Array | undefined;
  let prevCertificateHash: Hex = zeroHash;
  const genesisState = consumed.fromStep === 0 ? await ctx.evidence.genesisState?.(consumed) : undefined;
  if (consumed.fromStep !== 0) {
    if (fromStep === undefined) keeperFail(KeeperErrorCode.EVIDENCE_MISSING, "expected the fromStep's state");
    const from = await ctx.consumedOf(consumed.entitlementId, consumed.fromStep);
    if (from === undefined) {
      keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `no StepConsumed event for fromStep ${consumed.fromStep}`);
    }
    fromCertificate = (await ctx.evidence.stepFiles(from))["certificate.json"];
    prevCertificateHash = fromStep.certificateHash;
    if (fromCertificate === undefined || sha256Hex(fromCertificate) !== prevCertificateHash.toLowerCase()) {
      keeperFail(
        KeeperErrorCode.EVIDENCE_INVALID,
        `expected fromStep ${consumed.fromStep}'s certificate with the hash the market stored, ${prevCertificateHash}`,
      );
    }
  }
  const quorum = await collectQuorum(
    ctx.attestations,
    {
      ref: ctx.ref,
      entitlementId: consumed.entitlementId,
      step: consumed.step,
      files,
      ...(fromCertificate === undefined ? {} : { fromCertificate }),
      ...(genesisState === undefined ? {} : { genesisState }),
    },
    {
      entitlementId: consumed.entitlementId,
      step: consumed.step,
      permitDigest: consumed.permitDigest,
      prevCertificateHash,
      commit: permit.commit,
      policyHash: permit.policyHash,
    },
    offer,
    notes,
  );
  return { result: await sendClaim(ctx.writer, permit, quorum), quorum, notes };
}
