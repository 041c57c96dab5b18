import { expect } from "chai";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex } from "viem";

import { type GatewayClient, createGatewayClient } from "../../../client/src/gateway/client";
import type { ReleasedCaps } from "../../../client/src/protocol/caps";
import { certificateHash, parseCertificate, verifyContinuity } from "../../../client/src/protocol/certificate";
import { type StepPermit, marketDomain } from "../../../client/src/protocol/eip712";
import { isProtocolError } from "../../../client/src/protocol/errors";
import { buildPolicyCapsule, parsePolicyCapsule } from "../../../client/src/protocol/policy";
import { sha256Hex } from "../../../client/src/protocol/jcs";
import { generateWorkerKeyPair, jwkThumbprint } from "../../../client/src/protocol/keys";
import { decryptStateBundle, encryptGenesisState, encryptStateBundle } from "../../../client/src/protocol/stateBundle";
import { decryptStateKeys, stateKeyRequestTypedData } from "../../../client/src/protocol/stateKeyRequest";
import {
  type RunStepOptions,
  RunnerErrorCode,
  type StepInputSource,
  evidenceFolder,
  idTokenSourceFromEnv,
  offerIdOf,
  openRunnerSession,
  permitDigestOf,
  realSleep,
  requestCaps,
  runIdentityFromToken,
  runStep,
  stepEvidenceDir,
  stepTimeoutMs,
  waitForPermit,
  writeGenesisState,
} from "../../../client/src/runner";
import { devAccount } from "../../../devnet/stack";
import { COMMIT, type World, startWorld } from "../../e2e/support/world";

const MAX_STATE_BYTES = 1_048_576; // the development capsule's limits.maxStateBytes

/** The step command: reads {counter}, writes {counter + 1}, a result naming the step, and next tokens. */
const COUNTER = `
const fs = require("fs");
const e = process.env;
const { counter } = JSON.parse(fs.readFileSync(e.SWARM_STATE_IN, "utf8"));
fs.writeFileSync(e.SWARM_STATE_OUT, JSON.stringify({ counter: counter + 1 }));
fs.writeFileSync(e.SWARM_RESULT_OUT, JSON.stringify({ step: e.SWARM_STEP, counter: counter + 1 }));
fs.writeFileSync(e.SWARM_NEXT_TOKENS_OUT, JSON.stringify(["t" + (counter + 1)]));
`;
const node = (script: string) => ({
  argv: [process.execPath, "-e", script] as [string, ...string[]],
  stdio: "ignore" as const,
});

/** Test doubles for the Sigstore side: a recording attester and a recording (or failing) input verifier. */
function attestationDoubles(options: { verifierFails?: boolean } = {}) {
  const attested: Uint8Array[] = [];
  const verified: { certificate: Uint8Array; bundle: unknown }[] = [];
  return {
    attested,
    verified,
    attest: async (bytes: Uint8Array) => {
      attested.push(bytes);
      return { mediaType: "test-double/attestation", digest: sha256Hex(bytes) };
    },
    verifyInputCertificate: async (certificate: Uint8Array, bundle: unknown) => {
      verified.push({ certificate, bundle });
      if (options.verifierFails) throw new Error("test double: attestation refused");
      if ((bundle as { digest?: unknown }).digest !== sha256Hex(certificate)) throw new Error("not this certificate");
    },
  };
}

async function expectCode(action: () => Promise<unknown>, code: string): Promise<void> {
  let failure: unknown;
  try {
    await action();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) expect.fail(`expected ${code}, but nothing was thrown`);
  if (!isProtocolError(failure)) throw failure;
  expect(failure.code, failure.message).to.equal(code);
}

/** What the runner holds once its permit is consumed and its caps decrypted. */
interface Prepared {
  permit: StepPermit;
  permitDigest: Hex;
  caps: ReleasedCaps;
  common: Omit<RunStepOptions, "command" | "input" | "attest" | "verifyInputCertificate">;
}

describe("runner: steps against the gateway over HTTP, a real chain and the development issuer", function () {
  this.timeout(180_000);
  let world: World;
  let gateway: GatewayClient;
  let evidenceDir: string;
  let workDir: string;
  let entitlementId: bigint;
  let nextRunId = 900_000_001n;

  before(async () => {
    world = await startWorld();
    gateway = createGatewayClient(world.url, fetch);
    evidenceDir = await mkdtemp(path.join(tmpdir(), "swarm-evidence-"));
    workDir = await mkdtemp(path.join(tmpdir(), "swarm-work-"));
    entitlementId = await world.buy(8);
  });

  after(async () => {
    await world?.stop();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** The buyer fetches stateKey(0) from the gateway (a StateKeyRequest it signs) and seeds the genesis state. */
  async function seedGenesis(id: bigint, state: unknown): Promise<string> {
    const recipient = generateWorkerKeyPair();
    const request = {
      entitlementId: id,
      fromStep: 0,
      toStep: 0,
      recipientKey: jwkThumbprint(recipient.publicJwk),
      gateway: world.gatewayAddress,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 120),
    };
    const signature = await devAccount("buyer").signTypedData(
      stateKeyRequestTypedData(marketDomain(31337, world.market), request),
    );
    const { jwe } = await gateway.stateKeys(request, signature, recipient.publicJwk);
    const { keys } = await decryptStateKeys(jwe, recipient.privateKey, request);
    const genesis = await encryptGenesisState(
      new TextEncoder().encode(JSON.stringify(state)),
      keys.get(0)!,
      id,
      MAX_STATE_BYTES,
    );
    await writeGenesisState(evidenceDir, id, genesis);
    return genesis;
  }

  /**
   * A runner (its own run of the development issuer) gets tokens through GitHub's protocol, opens a session and
   * waits; the buyer lists sessions and attaches a permit for (step, fromStep); the runner picks it up and gets caps.
   */
  async function prepare(step: number, fromStep: number): Promise<Prepared> {
    const runId = nextRunId++;
    const credentials = world.issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT, runId: runId.toString() });
    const idToken = idTokenSourceFromEnv(
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: credentials.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: credentials.requestToken,
      },
      { audience: world.gateway.context.audience, fetch },
    );
    const worker = generateWorkerKeyPair();
    const policy = { hash: world.policy.policyHash };
    const session = await openRunnerSession({ gateway, idToken, entitlementId, worker, policy });
    const clock = () => new Date();
    const waiting = waitForPermit({
      gateway,
      sessionId: session.id,
      expected: { entitlementId, workerKey: jwkThumbprint(worker.publicJwk), runId, runAttempt: 1 },
      clock,
      sleep: realSleep,
      deadline: new Date(Date.now() + 30_000),
      backoff: { initialMs: 20, maxMs: 200, factor: 2 },
    });

    // The buyer's side: find the runner's session and answer it with a bound permit.
    const listed = (await gateway.listSessions(entitlementId)).find((s) => s.id === session.id)!;
    const bound: StepPermit = {
      entitlementId,
      step,
      fromStep,
      runId: BigInt(listed.runId),
      runAttempt: Number(listed.runAttempt),
      workerKey: listed.workerKey,
      commit: `0x${COMMIT}`,
      policyHash: world.policy.policyHash,
      gateway: world.gatewayAddress,
      deadline: BigInt(Math.floor(Date.now() / 1000) + 600),
    };
    await gateway.attachPermit(session.id, bound, await world.signPermit(bound));

    const { permit, signature } = await waiting;
    const permitDigest = permitDigestOf(permit, 31337n, world.market);
    const { caps } = await requestCaps({
      gateway,
      idToken,
      permit,
      signature,
      permitDigest,
      worker,
      policy,
      clock,
      sleep: realSleep,
      deadline: new Date(Date.now() + 30_000),
    });
    return {
      permit,
      permitDigest,
      caps,
      common: {
        permit,
        permitDigest,
        caps,
        market: { chainId: 31337n, address: world.market },
        offerId: await offerIdOf(world.publicClient, world.market, entitlementId),
        run: runIdentityFromToken(await idToken()),
        policy: world.policy.bytes,
        evidenceDir,
        workDir,
        clock,
      },
    };
  }

  let step1: Prepared;
  let step2: Prepared;
  let genesis: string;
  const doubles = attestationDoubles();

  it("runs step 1 from the buyer's genesis state and writes the evidence layout", async () => {
    genesis = await seedGenesis(entitlementId, { counter: 41 });
    step1 = await prepare(1, 0);
    const done = await runStep({
      ...step1.common,
      command: node(COUNTER),
      input: evidenceFolder(evidenceDir),
      attest: doubles.attest,
      verifyInputCertificate: doubles.verifyInputCertificate,
    });
    const dir = stepEvidenceDir(evidenceDir, entitlementId, 1);
    expect(done.evidencePath).to.equal(dir);
    const bytes = new Uint8Array(await readFile(path.join(dir, "certificate.json")));
    expect(bytes).to.deep.equal(done.bytes);
    const cert = parseCertificate(bytes);
    expect(cert).to.deep.include({
      step: "1",
      fromStep: "0",
      entitlementId: entitlementId.toString(),
      offerId: "1",
      permitDigest: step1.permitDigest,
      commit: `0x${COMMIT}`,
      policyHash: world.policy.policyHash,
      prevCertificate: `0x${"0".repeat(64)}`,
      stateIn: sha256Hex(genesis),
      stateOut: sha256Hex(await readFile(path.join(dir, "state.jwe"))),
      result: sha256Hex(await readFile(path.join(dir, "result.jwe"))),
      nextTokens: sha256Hex(await readFile(path.join(dir, "next_tokens.jwe"))),
    });
    expect(cert.run).to.deep.include({ runId: step1.permit.runId.toString(), jobWorkflowSha: `0x${COMMIT}` });
    expect(doubles.attested).to.deep.equal([bytes]);
    expect(doubles.verified).to.deep.equal([]); // genesis has no certificate to verify
    const bundle = JSON.parse(await readFile(path.join(dir, "certificate.sigstore.json"), "utf8")) as unknown;
    expect(bundle).to.deep.equal({ mediaType: "test-double/attestation", digest: certificateHash(bytes) });
    const result = await decryptStateBundle(
      await readFile(path.join(dir, "result.jwe"), "utf8"),
      step1.caps.stateCapOut,
      {
        kind: "result",
        entitlementId,
        step: 1,
        permitDigest: step1.permitDigest,
        maxBytes: MAX_STATE_BYTES,
      },
    );
    expect(JSON.parse(new TextDecoder().decode(result))).to.deep.equal({ step: "1", counter: 42 });
  });

  it("runs step 2 from step 1's outputs: state carried across steps, certificates chained", async () => {
    step2 = await prepare(2, 1);
    expect(step2.caps.stateCapIn).to.equal(step1.caps.stateCapOut);
    const done = await runStep({
      ...step2.common,
      command: node(COUNTER),
      input: evidenceFolder(evidenceDir),
      attest: doubles.attest,
      verifyInputCertificate: doubles.verifyInputCertificate,
    });
    const step1Dir = stepEvidenceDir(evidenceDir, entitlementId, 1);
    const cert1Bytes = new Uint8Array(await readFile(path.join(step1Dir, "certificate.json")));
    expect(doubles.verified).to.have.length(1);
    expect(doubles.verified[0]!.certificate).to.deep.equal(cert1Bytes);
    verifyContinuity(done.certificate, parseCertificate(cert1Bytes), certificateHash(cert1Bytes));
    const state = await decryptStateBundle(
      await readFile(path.join(done.evidencePath, "state.jwe"), "utf8"),
      step2.caps.stateCapOut,
      { kind: "state", entitlementId, step: 2, permitDigest: step2.permitDigest, maxBytes: MAX_STATE_BYTES },
    );
    expect(JSON.parse(new TextDecoder().decode(state))).to.deep.equal({ counter: 43 });
  });

  /** Runs a step expected to fail, with a command that leaves a marker if it ever runs. */
  async function refusedStep(
    prepared: Prepared,
    input: StepInputSource,
    code: string,
    overrides: Partial<RunStepOptions> = {},
    verifierFails = false,
  ): Promise<string> {
    const marker = path.join(workDir, `ran-${prepared.permit.step}`);
    const command = node(`require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); ${COUNTER}`);
    const { attest, verifyInputCertificate, attested } = attestationDoubles({ verifierFails });
    // Test double: caps whose stateCapIn records being read, which only decrypting the input does.
    let keyRead = false;
    const { stateCapIn, ...rest } = prepared.caps;
    const caps = Object.defineProperty({ ...rest }, "stateCapIn", {
      enumerable: true,
      get: () => ((keyRead = true), stateCapIn),
    }) as ReleasedCaps;
    await expectCode(
      () => runStep({ ...prepared.common, caps, command, input, attest, verifyInputCertificate, ...overrides }),
      code,
    );
    expect(keyRead, "the input was decrypted").to.equal(false);
    expect(existsSync(stepEvidenceDir(evidenceDir, entitlementId, prepared.permit.step))).to.equal(false);
    expect(attested).to.deep.equal([]);
    return marker;
  }

  /** A copy of the evidence folder the attack can alter. */
  async function evidenceCopy(): Promise<string> {
    const copy = await mkdtemp(path.join(tmpdir(), "swarm-evidence-copy-"));
    await cp(evidenceDir, copy, { recursive: true });
    return copy;
  }

  it("refuses an input state swapped for another ciphertext under the same key, before decrypting it", async () => {
    const prepared = await prepare(3, 1);
    const copy = await evidenceCopy();
    try {
      // Whoever holds stateKey(1) can write a state that decrypts: the certificate's stateOut still refuses it.
      const forged = await encryptStateBundle(
        new TextEncoder().encode('{"counter":1000000}'),
        prepared.caps.stateCapIn,
        {
          kind: "state",
          entitlementId,
          step: 1,
          permitDigest: step1.permitDigest,
          maxBytes: MAX_STATE_BYTES,
        },
      );
      await writeFile(path.join(stepEvidenceDir(copy, entitlementId, 1), "state.jwe"), forged);
      const marker = await refusedStep(prepared, evidenceFolder(copy), RunnerErrorCode.INPUT_STATE_MISMATCH);
      expect(existsSync(marker)).to.equal(false);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it("refuses to continue from a certificate that is not its fromStep's (broken continuity)", async () => {
    const prepared = await prepare(4, 1);
    const folder = evidenceFolder(evidenceDir);
    // An input source handing step 2's certificate, attestation and state for step 1.
    const swapped: StepInputSource = {
      genesisState: (id, max) => folder.genesisState(id, max),
      stepOutput: (id, _step, max) => folder.stepOutput(id, 2, max),
    };
    const marker = await refusedStep(prepared, swapped, RunnerErrorCode.INPUT_CERTIFICATE_INVALID);
    expect(existsSync(marker)).to.equal(false);
  });

  it("refuses an input whose certificate's attestation does not verify", async () => {
    const prepared = await prepare(5, 1);
    const marker = await refusedStep(
      prepared,
      evidenceFolder(evidenceDir),
      RunnerErrorCode.INPUT_ATTESTATION_INVALID,
      {},
      true,
    );
    expect(existsSync(marker)).to.equal(false);
  });

  it("writes no certificate for a failing command", async () => {
    const prepared = await prepare(6, 2);
    await expectCode(
      () =>
        runStep({
          ...prepared.common,
          command: node("process.exit(1)"),
          input: evidenceFolder(evidenceDir),
          ...attestationDoubles(),
        }),
      RunnerErrorCode.STEP_COMMAND_FAILED,
    );
    expect(existsSync(stepEvidenceDir(evidenceDir, entitlementId, 6))).to.equal(false);
  });

  it("kills a command past its time limit and writes no certificate", async () => {
    const prepared = await prepare(7, 2);
    const doublesForStep = attestationDoubles();
    await expectCode(
      () =>
        runStep({
          ...prepared.common,
          command: node("setInterval(() => {}, 1000)"),
          input: evidenceFolder(evidenceDir),
          maxSeconds: 1,
          ...doublesForStep,
        }),
      RunnerErrorCode.STEP_TIMEOUT,
    );
    expect(doublesForStep.attested).to.deep.equal([]);
    expect(existsSync(stepEvidenceDir(evidenceDir, entitlementId, 7))).to.equal(false);
  });

  it("refuses a policy capsule other than the one the permit names (limits loosened after the fact)", async () => {
    const { capsule } = parsePolicyCapsule(world.policy.bytes);
    const loosened = buildPolicyCapsule({ ...capsule, limits: { ...capsule.limits, maxSeconds: "2592000" } });
    await expectCode(
      () =>
        runStep({
          ...step2.common,
          policy: loosened.bytes,
          command: node(COUNTER),
          input: evidenceFolder(evidenceDir),
          ...attestationDoubles(),
        }),
      RunnerErrorCode.POLICY_MISMATCH,
    );
  });

  it("refuses a run identity other than the permit's run", async () => {
    const otherRun = { ...step2.common.run, runId: step2.common.run.runId + 1n };
    await expectCode(
      () =>
        runStep({
          ...step2.common,
          run: otherRun,
          command: node(COUNTER),
          input: evidenceFolder(evidenceDir),
          ...attestationDoubles(),
        }),
      RunnerErrorCode.PERMIT_MISMATCH,
    );
  });

  it("bounds the command by the capsule, a tighter limit, and the caps' expiry; refuses a closed window", () => {
    const caps = { ...step2.caps, expiresAt: 1_000_100n };
    const at = (seconds: number) => () => new Date(seconds * 1000);
    expect(stepTimeoutMs(600, caps, at(1_000_000))).to.equal(100_000);
    expect(stepTimeoutMs(60, caps, at(1_000_000))).to.equal(60_000);
    expect(stepTimeoutMs(60, caps, at(1_000_000), 5)).to.equal(5_000);
    try {
      stepTimeoutMs(600, caps, at(1_000_100));
      expect.fail("expected STEP_WINDOW_CLOSED");
    } catch (err) {
      expect(isProtocolError(err, RunnerErrorCode.STEP_WINDOW_CLOSED), String(err)).to.equal(true);
    }
  });

  it("never overwrites a step's evidence", async () => {
    await expectCode(
      () =>
        runStep({
          ...step2.common,
          command: node(COUNTER),
          input: evidenceFolder(evidenceDir),
          ...attestationDoubles(),
        }),
      RunnerErrorCode.EVIDENCE_EXISTS,
    );
  });
});
