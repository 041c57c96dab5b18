/**
 * Collecting a quorum: ask every verifier, keep only the signatures that recover to one of the offer's verifiers
 * over exactly the attestation the chain and the evidence call for, one per verifier, and hand the market at
 * least `quorum` of them sorted by ascending signer (the order `claim` requires). A forged or mismatched
 * signature is dropped here rather than spent on a transaction that would revert.
 */
import { type Address, type Hex, getAddress, recoverTypedDataAddress } from "viem";

import { type StepAttestation, marketDomain, stepAttestationTypes } from "../protocol/eip712";
import { isProtocolError } from "../protocol/errors";
import type { AttestationAsk, AttestationSource } from "./attestationSource";
import type { MarketRef } from "./consumedStep";
import { KeeperErrorCode, keeperFail } from "./errors";

/** What the attestation must say, from the chain: everything but the certificate hash. */
export type ExpectedAttestation = Omit<StepAttestation, "certificateHash">;

/** A claim's attestation and the signatures to send with it. */
export interface Quorum {
  readonly attestation: StepAttestation;
  /** Ascending by signer. */
  readonly signers: readonly Address[];
  readonly signatures: readonly Hex[];
}

/** Why a source's answer was not counted (logged; never holds a secret). */
export interface SourceNote {
  readonly source: string;
  readonly outcome: string;
}

/** Whether `a` says exactly what `expected` calls for. */
export function attestationMatches(a: StepAttestation, expected: ExpectedAttestation): boolean {
  const same = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();
  return (
    a.entitlementId === expected.entitlementId &&
    a.step === expected.step &&
    same(a.permitDigest, expected.permitDigest) &&
    same(a.prevCertificateHash, expected.prevCertificateHash) &&
    same(a.commit, expected.commit) &&
    same(a.policyHash, expected.policyHash) &&
    /^0x[0-9a-fA-F]{64}$/.test(a.certificateHash) &&
    BigInt(a.certificateHash) !== 0n
  );
}

/** Addresses ascending as uint160, as the market compares them. */
export function ascending(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The signer of `signature` over `attestation` in the market's domain, or undefined when it does not recover. */
export async function attestationSigner(ref: MarketRef, attestation: StepAttestation, signature: Hex) {
  return recoverTypedDataAddress({
    domain: marketDomain(ref.chainId, ref.market),
    types: stepAttestationTypes,
    primaryType: "StepAttestation",
    message: attestation,
    signature,
  }).then(getAddress, () => undefined);
}

/**
 * Asks every source; returns a quorum, or throws KEEPER_QUORUM_NOT_REACHED (with what each source said in `notes`)
 * when fewer than `quorum` of the offer's verifiers signed one and the same expected attestation. Two different
 * certificates both reaching quorum is refused too (verifiers disagreeing is for a human to look at).
 */
export async function collectQuorum(
  sources: readonly AttestationSource[],
  ask: AttestationAsk,
  expected: ExpectedAttestation,
  offer: { readonly verifiers: readonly Address[]; readonly quorum: number },
  notes: SourceNote[] = [],
): Promise<Quorum> {
  const allowed = new Set(offer.verifiers.map((v) => getAddress(v)));
  const answers = await Promise.allSettled(sources.map((s) => s.attest(ask)));
  /** certificateHash → signer → signature */
  const groups = new Map<string, { attestation: StepAttestation; bySigner: Map<Address, Hex> }>();
  for (const [i, settled] of answers.entries()) {
    const source = sources[i]!.name;
    if (settled.status === "rejected") {
      const e: unknown = settled.reason;
      notes.push({ source, outcome: isProtocolError(e) ? e.code : "failed" });
      continue;
    }
    const answer = settled.value;
    if (answer.status !== "valid") {
      notes.push({ source, outcome: `${answer.status}: ${answer.reason}` });
      continue;
    }
    if (!attestationMatches(answer.attestation, expected)) {
      notes.push({ source, outcome: KeeperErrorCode.ATTESTATION_MISMATCH });
      continue;
    }
    const signer = await attestationSigner(ask.ref, answer.attestation, answer.signature);
    if (signer === undefined || signer !== getAddress(answer.verifier) || !allowed.has(signer)) {
      notes.push({ source, outcome: KeeperErrorCode.SIGNATURE_INVALID });
      continue;
    }
    const key = answer.attestation.certificateHash.toLowerCase();
    const group = groups.get(key) ?? { attestation: answer.attestation, bySigner: new Map<Address, Hex>() };
    group.bySigner.set(signer, answer.signature);
    groups.set(key, group);
    notes.push({ source, outcome: `valid (${signer})` });
  }
  const reached = [...groups.values()].filter((g) => g.bySigner.size >= offer.quorum);
  if (reached.length > 1) {
    keeperFail(KeeperErrorCode.QUORUM_NOT_REACHED, `verifiers attested ${reached.length} different certificates`);
  }
  const group = reached[0];
  if (group === undefined) {
    const best = Math.max(0, ...[...groups.values()].map((g) => g.bySigner.size));
    keeperFail(KeeperErrorCode.QUORUM_NOT_REACHED, `expected ${offer.quorum} verifier signature(s), got ${best}`);
  }
  const signers = [...group.bySigner.keys()].sort(ascending).slice(0, offer.quorum);
  return {
    attestation: { ...group.attestation, certificateHash: group.attestation.certificateHash.toLowerCase() as Hex },
    signers,
    signatures: signers.map((s) => group.bySigner.get(s)!),
  };
}
