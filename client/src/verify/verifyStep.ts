import type { Hex } from "viem";

import type { Certificate } from "../protocol/certificate";
import type { StepAttestation } from "../protocol/eip712";
import type { ChainFacts } from "./chainFacts";
import {
  type StepRef,
  parseStepCertificate,
  verifyCertificateOffer,
  verifyCertificatePermit,
  verifyCertificateScope,
  verifyOutputHashes,
  verifyStepContinuity,
} from "./certificateChecks";
import { Checklist } from "./checklist";
import { UncheckedCode, VerifyCode } from "./codes";
import { CheckUnchecked, failVerify } from "./failure";
import {
  leafIdentity,
  verifyBuildCommit,
  verifyIssuer,
  verifyRunInvocation,
  verifyRunnerEnvironment,
  verifySan,
  verifySourceRepository,
} from "./identityLayer";
import type { PinnedTrust } from "./pinnedTrust";
import { POLICY_FILE, type PolicyStore, capsuleFor } from "./policyStore";
import { REPORT_VERSION, type StepReport } from "./report";
import { STEP_FILES, bundleJson, chainFactsOf, fromOf } from "./stepInputs";
import { parseSigstoreBundle, verifySigstoreSignature } from "./sigstoreLayer";
import { readStatement, stepSubject, verifyPredicateType, verifyStepPredicate, verifySubject } from "./statementLayer";
import { stepIdentity, verifyRunAgainstPolicy } from "./stepIdentity";

/** What a verifier trusts, loaded once and reused for every step. */
export interface VerifierConfig {
  readonly trust: PinnedTrust;
  readonly policies: PolicyStore;
  /** Recorded chain facts make the result indeterminate (default false: they are reported unchecked only). */
  readonly requireRpcChainFacts?: boolean;
}

/** A step's evidence: its folder's files by name, and what continuity needs. */
export interface StepEvidence {
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The fromStep's certificate.json bytes (fromStep > 0), or the parsed one (a run passes it along). */
  readonly fromCertificate?: Uint8Array | { readonly certificate: Certificate; readonly hash: Hex };
  /** The genesis state ciphertext (fromStep 0), when at hand. */
  readonly genesisState?: Uint8Array;
}

/** A step's verification: the report, the certificate when it parsed, the StepAttestation when valid. */
export interface StepVerification {
  readonly report: StepReport;
  readonly certificate?: Certificate;
  readonly certificateHash?: Hex;
  readonly attestation?: StepAttestation;
  /** Where the chain facts came from, when there were any. */
  readonly chainSource?: ChainFacts["source"];
}

/**
 * Verifies one step, as the design's checklist: evidence present → certificate parses and is the step asked for →
 * the Sigstore bundle against the pinned roots (offline, thresholds of its kind) → payload and predicate types →
 * subject digest = certificateHash → chain facts → the offer's policy capsule → the leaf identity (SAN, issuer,
 * commit, repository, run, runner environment) → certificate = offer and consumed permit → output hashes →
 * continuity with the fromStep certificate. Synchronous: chain facts are fetched beforehand.
 */
export function verifyStep(
  config: VerifierConfig,
  ref: StepRef,
  evidence: StepEvidence,
  facts?: ChainFacts,
): StepVerification {
  const list = new Checklist();
  const files = evidence.files;
  const present = list.run("evidence.files", () => {
    const absent = Object.values(STEP_FILES).filter((name) => files[name] === undefined);
    if (absent.length > 0) failVerify(VerifyCode.REQUIRED_FIELD_MISSING, `missing ${absent.join(", ")}`);
    return true;
  });
  const parsed = list.run("certificate.parse", () => parseStepCertificate(files[STEP_FILES.certificate]!), !!present);
  const cert = parsed?.certificate;
  list.run("certificate.scope", () => verifyCertificateScope(cert!, ref), cert !== undefined);

  const bundle = list.run("sigstore.bundle", () => parseSigstoreBundle(bundleJson(files[STEP_FILES.bundle]!)));
  const signed = list.run("sigstore.verify", () => verifySigstoreSignature(bundle!, config.trust), !!bundle);
  const statement = list.run(
    "statement.types",
    () => {
      const s = readStatement(bundle!.bundle);
      verifyPredicateType(s);
      return s;
    },
    !!signed,
  );
  list.run(
    "statement.subject",
    () => {
      verifySubject(statement!, stepSubject(parsed!.hash));
      verifyStepPredicate(statement!, cert!);
    },
    !!statement && !!parsed,
  );

  const chain = list.run("chain.facts", () => chainFactsOf(ref, files, facts));
  if (chain !== undefined) {
    if (chain.source === "rpc") list.run("chain.confirmed", () => undefined);
    else {
      const what = "chain facts from an RPC";
      const blocking = config.requireRpcChainFacts === true;
      list.unchecked(
        "chain.confirmed",
        new CheckUnchecked(
          UncheckedCode.CHAIN_FACTS_RECORDED,
          "checked against recorded chain facts",
          [what],
          blocking,
        ),
      );
    }
  }
  const offer = chain?.offer;
  const capsule = list.run(
    "policy.capsule",
    () => capsuleFor(offer!.policyHash, config.policies, files[POLICY_FILE]),
    !!offer,
  );
  // The leaf's identity is read inside the first identity check: a malformed extension fails that check.
  const who = list.run(
    "identity.san",
    () => {
      const leaf = leafIdentity(signed!.signer);
      const want = stepIdentity(cert!, capsule!, offer!);
      verifyRunAgainstPolicy(cert!, capsule!, offer!);
      verifySan(leaf, want);
      return { leaf, want };
    },
    !!signed && !!capsule && !!cert && !!offer,
  );
  const identity = who?.leaf;
  const expected = who?.want;
  const ready = who !== undefined;
  list.run("identity.issuer", () => verifyIssuer(identity!, expected!), ready);
  list.run("identity.commit", () => verifyBuildCommit(identity!, expected!), ready);
  list.run("identity.repository", () => verifySourceRepository(identity!, expected!), ready);
  list.run("identity.run", () => verifyRunInvocation(identity!, expected!), ready);
  list.run("identity.runnerEnvironment", () => verifyRunnerEnvironment(identity!, expected!), ready);

  const consumed = chain?.consumed.get(ref.step);
  list.run("certificate.offer", () => verifyCertificateOffer(cert!, offer!), !!cert && !!offer);
  list.run(
    "certificate.permit",
    () => verifyCertificatePermit(cert!, parsed!.hash, consumed!, chain!.steps.get(ref.step)),
    !!cert && !!consumed,
  );
  list.run(
    "certificate.outputs",
    () =>
      verifyOutputHashes(cert!, {
        state: files[STEP_FILES.state]!,
        result: files[STEP_FILES.result]!,
        nextTokens: files[STEP_FILES.nextTokens]!,
      }),
    !!cert,
  );
  const prev = list.run(
    "continuity",
    () => {
      const from = cert!.fromStep === "0" ? undefined : fromOf(evidence);
      const fromRecord = chain?.steps.get(Number(cert!.fromStep));
      return verifyStepContinuity(cert!, {
        ...(from === undefined ? {} : { from }),
        ...(fromRecord === undefined ? {} : { fromRecord }),
        ...(evidence.genesisState === undefined ? {} : { genesisState: evidence.genesisState }),
      });
    },
    !!cert,
  );
  if (prev !== undefined && cert?.fromStep === "0" && evidence.genesisState === undefined) {
    const what = "the genesis state (stateIn of a step from genesis)";
    list.unchecked(
      "continuity.genesis",
      new CheckUnchecked(UncheckedCode.GENESIS_STATE_ABSENT, `no ${what}`, [], false),
    );
  }

  const { result, code } = list.outcome();
  const report: StepReport = {
    version: REPORT_VERSION,
    kind: "step",
    chainId: ref.chainId.toString(),
    market: ref.market.toLowerCase(),
    entitlementId: ref.entitlementId.toString(),
    step: ref.step,
    ...(parsed === undefined ? {} : { certificateHash: parsed.hash }),
    result,
    ...(code === undefined ? {} : { code }),
    missing: list.missing,
    checks: list.checks,
  };
  const attestation: StepAttestation | undefined =
    result === "valid" && parsed && consumed && offer && prev
      ? {
          entitlementId: ref.entitlementId,
          step: ref.step,
          permitDigest: consumed.permitDigest.toLowerCase() as Hex,
          certificateHash: parsed.hash,
          prevCertificateHash: prev,
          commit: offer.commit.toLowerCase() as Hex,
          policyHash: offer.policyHash.toLowerCase() as Hex,
        }
      : undefined;
  return {
    report,
    ...(cert === undefined ? {} : { certificate: cert, certificateHash: parsed!.hash }),
    ...(attestation === undefined ? {} : { attestation }),
    ...(chain === undefined ? {} : { chainSource: chain.source }),
  };
}
