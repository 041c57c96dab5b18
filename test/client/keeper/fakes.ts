/** In-test stand-ins for the keeper's evidence and verifier sources (the e2e tests use the real verifier). */
import { type Address, type Hex, type LocalAccount, type WalletClient, zeroHash } from "viem";

import type {
  AttestationAnswer,
  AttestationAsk,
  AttestationSource,
} from "../../../client/src/keeper/attestationSource";
import type { ConsumedStep } from "../../../client/src/keeper/consumedStep";
import { KeeperErrorCode, keeperFail } from "../../../client/src/keeper/errors";
import type { EvidenceSource, StepFiles } from "../../../client/src/keeper/evidence/source";
import { type StepAttestation, marketDomain, stepAttestationTypes } from "../../../client/src/protocol/eip712";
import { sha256Hex } from "../../../client/src/protocol/jcs";

/** What the fake certificate holds: enough for the fake verifier to build the attestation. */
interface FakeCertificate {
  entitlementId: string;
  step: number;
  permitDigest: Hex;
  commit: Hex;
  policyHash: Hex;
}

/** A fake certificate's bytes for a consumed step. */
export function fakeCertificate(step: ConsumedStep, commit: Hex, policyHash: Hex): Uint8Array {
  const c: FakeCertificate = {
    entitlementId: step.entitlementId.toString(),
    step: step.step,
    permitDigest: step.permitDigest,
    commit,
    policyHash,
  };
  return new TextEncoder().encode(JSON.stringify(c));
}

/**
 * An in-memory evidence source; `put` publishes a step's evidence, `putGenesis` an entitlement's genesis state, and
 * every read is counted.
 */
export function memoryEvidence(): EvidenceSource & {
  put(step: ConsumedStep, files: StepFiles): void;
  putGenesis(entitlementId: bigint, state: Uint8Array): void;
  readonly reads: string[];
} {
  const store = new Map<string, StepFiles>();
  const genesis = new Map<bigint, Uint8Array>();
  const reads: string[] = [];
  return {
    kind: "memory",
    reads,
    put: (s, files) => void store.set(`${s.entitlementId}/${s.step}`, files),
    putGenesis: (id, state) => void genesis.set(id, state),
    async genesisState(s) {
      return genesis.get(s.entitlementId);
    },
    async stepFiles(s) {
      reads.push(`${s.entitlementId}/${s.step}`);
      const files = store.get(`${s.entitlementId}/${s.step}`);
      if (files === undefined) keeperFail(KeeperErrorCode.EVIDENCE_MISSING, `no evidence for ${s.step}`);
      return files;
    },
  };
}

/** How a fake verifier answers. */
export type FakeMode = "valid" | "invalid" | "unavailable" | "forged" | "wrong-prev";

/** Signs an attestation with a wallet in the market's domain. */
export function signWith(
  signer: WalletClient | LocalAccount,
  ref: { chainId: bigint; market: Address },
  attestation: StepAttestation,
): Promise<Hex> {
  const args = {
    domain: marketDomain(ref.chainId, ref.market),
    types: stepAttestationTypes,
    primaryType: "StepAttestation" as const,
    message: attestation,
  };
  if ("type" in signer && signer.type === "local") return (signer as LocalAccount).signTypedData(args);
  const w = signer as WalletClient;
  return w.signTypedData({ account: w.account!, ...args });
}

/** A verifier that "verifies" the fake certificate and signs with `wallet` (or misbehaves as `mode` says). */
export function fakeVerifier(
  name: string,
  wallet: WalletClient,
  mode: () => FakeMode = () => "valid",
  forger?: LocalAccount,
): AttestationSource & { readonly asks: AttestationAsk[] } {
  const asks: AttestationAsk[] = [];
  return {
    name,
    asks,
    async attest(ask): Promise<AttestationAnswer> {
      asks.push(ask);
      const m = mode();
      if (m === "unavailable") keeperFail(KeeperErrorCode.VERIFIER_UNAVAILABLE, `${name} is down`);
      if (m === "invalid") return { status: "invalid", reason: "FAILURE_COMMIT_MISMATCH" };
      const bytes = ask.files["certificate.json"]!;
      const c = JSON.parse(new TextDecoder().decode(bytes)) as FakeCertificate;
      const attestation: StepAttestation = {
        entitlementId: BigInt(c.entitlementId),
        step: c.step,
        permitDigest: c.permitDigest,
        certificateHash: sha256Hex(bytes),
        prevCertificateHash:
          m === "wrong-prev"
            ? `0x${"99".repeat(32)}`
            : ask.fromCertificate === undefined
              ? zeroHash
              : sha256Hex(ask.fromCertificate),
        commit: c.commit,
        policyHash: c.policyHash,
      };
      const signature =
        m === "forged" ? await signWith(forger!, ask.ref, attestation) : await signWith(wallet, ask.ref, attestation);
      return { status: "valid", verifier: wallet.account!.address, attestation, signature };
    },
  };
}
