import type { Signer } from "@sigstore/verify";

import { FULCIO_OIDS, type FulcioExtensionName } from "../attest/fulcioExtensions";
import { VerifyCode, type VerifyFailureCode } from "./codes";
import { failVerify } from "./failure";

/** The signer's identity as the verified leaf certificate states it (values of `.1.8`+ decoded from DER). */
export interface LeafIdentity {
  readonly san: string | undefined;
  readonly issuer: string | undefined;
  readonly extensions: Readonly<Partial<Record<FulcioExtensionName, string>>>;
}

const NAME_OF_OID = new Map<string, FulcioExtensionName>(
  Object.entries(FULCIO_OIDS).map(([name, oid]) => [oid, name as FulcioExtensionName]),
);

/** A DER UTF8String's text, or undefined when `der` is not exactly one (tag 0x0c, definite length). */
export function decodeDerUtf8(der: Uint8Array): string | undefined {
  if (der.length < 2 || der[0] !== 0x0c) return undefined;
  let length = der[1]!;
  let offset = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 3 || der.length < 2 + octets) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]!;
    offset = 2 + octets;
  }
  if (offset + length !== der.length) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(der.subarray(offset));
  } catch {
    return undefined;
  }
}

/** Reads the identity of a signer returned by `@sigstore/verify`; a repeated or undecodable extension fails. */
export function leafIdentity(signer: Signer): LeafIdentity {
  const extensions: Partial<Record<FulcioExtensionName, string>> = {};
  for (const { oid, value } of signer.identity?.oids ?? []) {
    const name = NAME_OF_OID.get((oid?.id ?? []).join("."));
    if (name === undefined) continue;
    const text = decodeDerUtf8(value);
    if (text === undefined || name in extensions) {
      failVerify(VerifyCode.IDENTITY_MISMATCH, `the certificate's ${name} extension is malformed or repeated`);
    }
    extensions[name] = text;
  }
  return {
    san: signer.identity?.subjectAlternativeName,
    issuer: signer.identity?.extensions?.issuer,
    extensions,
  };
}

/** What the signer must be. Absent fields are not checked (the step verifier sets them all). */
export interface ExpectedIdentity {
  /** Exact SAN, e.g. `https://github.com/<job_workflow_ref>`. */
  readonly san: string;
  /** Exact OIDC issuer. */
  readonly issuer: string;
  /** The offer's commit, bare lowercase hex: Fulcio's build signer digest (job_workflow_sha). */
  readonly buildSignerDigest?: string;
  /** The source repository digest (`sha` claim), bare lowercase hex. */
  readonly sourceRepositoryDigest?: string;
  readonly sourceRepositoryUri?: string;
  readonly sourceRepositoryIdentifier?: string;
  readonly sourceRepositoryRefs?: readonly string[];
  /** `https://github.com/<repository>/actions/runs/<runId>/attempts/<attempt>`. */
  readonly runInvocationUri?: string;
  readonly runnerEnvironments?: readonly string[];
  readonly buildTriggers?: readonly string[];
}

/** SAN exactly the expected one (else FAILURE_IDENTITY_MISMATCH). */
export function verifySan(id: LeafIdentity, expected: ExpectedIdentity): void {
  if (id.san !== expected.san) failVerify(VerifyCode.IDENTITY_MISMATCH, `SAN ${JSON.stringify(id.san)}`);
}

/** Issuer exactly the expected one, never by prefix (else FAILURE_IDENTITY_MISMATCH). */
export function verifyIssuer(id: LeafIdentity, expected: ExpectedIdentity): void {
  if (id.issuer !== expected.issuer) failVerify(VerifyCode.IDENTITY_MISMATCH, `issuer ${JSON.stringify(id.issuer)}`);
}

function exact(id: LeafIdentity, name: FulcioExtensionName, want: string | undefined, code: VerifyFailureCode): void {
  if (want === undefined) return;
  const got = id.extensions[name];
  if (got !== want) {
    failVerify(code, `${name} ${JSON.stringify(got ?? null)}, want ${want}`);
  }
}

function oneOf(id: LeafIdentity, name: FulcioExtensionName, allowed: readonly string[] | undefined): void {
  if (allowed === undefined) return;
  const got = id.extensions[name];
  if (got === undefined || !allowed.includes(got)) {
    failVerify(VerifyCode.IDENTITY_MISMATCH, `${name} ${JSON.stringify(got ?? null)} not in ${allowed.join(", ")}`);
  }
}

/** Build signer digest (and source repository digest when pinned) = the offer's commit (else FAILURE_COMMIT_MISMATCH). */
export function verifyBuildCommit(id: LeafIdentity, expected: ExpectedIdentity): void {
  exact(id, "buildSignerDigest", expected.buildSignerDigest, VerifyCode.COMMIT_MISMATCH);
  exact(id, "sourceRepositoryDigest", expected.sourceRepositoryDigest, VerifyCode.COMMIT_MISMATCH);
}

/** Source repository URI, identifier and ref (else FAILURE_IDENTITY_MISMATCH). */
export function verifySourceRepository(id: LeafIdentity, expected: ExpectedIdentity): void {
  exact(id, "sourceRepositoryUri", expected.sourceRepositoryUri, VerifyCode.IDENTITY_MISMATCH);
  exact(id, "sourceRepositoryIdentifier", expected.sourceRepositoryIdentifier, VerifyCode.IDENTITY_MISMATCH);
  oneOf(id, "sourceRepositoryRef", expected.sourceRepositoryRefs);
}

/** Run invocation URI = the run id and attempt; build trigger allowed (else FAILURE_IDENTITY_MISMATCH). */
export function verifyRunInvocation(id: LeafIdentity, expected: ExpectedIdentity): void {
  exact(id, "runInvocationUri", expected.runInvocationUri, VerifyCode.IDENTITY_MISMATCH);
  oneOf(id, "buildTrigger", expected.buildTriggers);
}

/** Runner environment one the policy allows (else FAILURE_IDENTITY_MISMATCH). */
export function verifyRunnerEnvironment(id: LeafIdentity, expected: ExpectedIdentity): void {
  oneOf(id, "runnerEnvironment", expected.runnerEnvironments);
}

/** Every identity check, in order: SAN, issuer, commit, source repository, run, runner environment. */
export function verifyIdentity(id: LeafIdentity, expected: ExpectedIdentity): void {
  verifySan(id, expected);
  verifyIssuer(id, expected);
  verifyBuildCommit(id, expected);
  verifySourceRepository(id, expected);
  verifyRunInvocation(id, expected);
  verifyRunnerEnvironment(id, expected);
}
