import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type PublicClient, createPublicClient, custom, decodeFunctionData, hexToBigInt } from "viem";

import { attestCertificate } from "../../../client/src/attest";
import type { MarketReader } from "../../../client/src/chain/clients";
import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { canonicalJson } from "../../../client/src/protocol/jcs";
import { fromViemAccount } from "../../../client/src/signer";
import {
  ChainFactsCache,
  type VerifierClient,
  type VerifierServer,
  buildAttestationRequest,
  createVerifierClient,
  startVerifierServer,
} from "../../../client/src/verify";
import { devAccount } from "../../../devnet/stack";
import { type ChainWorld, type StepFiles, startChainWorld } from "./chainWorld";

describe("client/verify service: POST /v1/attestations over HTTP on 127.0.0.1", function () {
  this.timeout(180_000);
  let w: ChainWorld;
  let server: VerifierServer;
  let client: VerifierClient;
  let store: string;
  let id: bigint;
  let step1: StepFiles;
  let step2: StepFiles;

  before(async () => {
    w = await startChainWorld();
    store = await mkdtemp(path.join(tmpdir(), "swarm-verifier-store-"));
    id = await w.buy(3);
    step1 = await w.runStep(id, 1, 0, "tsa");
    step2 = await w.runStep(id, 2, 1, "tlog");
    server = await startVerifierServer({
      config: w.config,
      reader: w.reader,
      chainId: w.chainId,
      signer: fromViemAccount(devAccount("verifier")),
      storeDir: store,
      fromBlock: w.stack.deployBlock,
    });
    client = createVerifierClient(server.url, fetch);
  });
  after(async () => {
    await server?.close();
    await w?.stop();
    if (store) await rm(store, { recursive: true, force: true });
  });

  const request = (
    step: number,
    files: StepFiles,
    fromCertificate?: Uint8Array,
    more: { entitlementId?: bigint; genesisState?: Uint8Array } = {},
  ) =>
    buildAttestationRequest({
      chainId: w.chainId,
      market: w.market,
      entitlementId: more.entitlementId ?? id,
      step,
      files,
      ...(fromCertificate === undefined ? {} : { fromCertificate }),
      ...(more.genesisState === undefined ? {} : { genesisState: more.genesisState }),
    });
  const genesisOf = async (entitlementId: bigint) =>
    new Uint8Array(await readFile(path.join(w.evidenceDir, entitlementId.toString(), "0", "state.jwe")));
  const check = (report: { checks: readonly { name: string; status: string }[] }, name: string) =>
    report.checks.find((c) => c.name === name)?.status;
  const post = (body: string, type = "application/json") =>
    fetch(`${server.url}/v1/attestations`, { method: "POST", headers: { "content-type": type }, body });

  it("answers /healthz with the verifier's address, chain and market", async () => {
    const health = await client.health();
    expect(health).to.deep.equal({
      status: "ok",
      verifier: devAccount("verifier").address.toLowerCase(),
      chainId: "31337",
      markets: [w.market.toLowerCase()],
      chainFacts: "rpc",
    });
  });

  it("signs a valid step (the client checks the signature recovers to the verifier), then step 2 from step 1", async () => {
    const first = await client.attest(request(1, step1));
    expect(first.status).to.equal("valid");
    if (first.status !== "valid") return;
    expect(first).to.include({ verifier: devAccount("verifier").address.toLowerCase(), repeated: false });
    expect(first.attestation.prevCertificateHash).to.equal(`0x${"0".repeat(64)}`);
    const second = await client.attest(request(2, step2, step1["certificate.json"]));
    expect(second.status).to.equal("valid");
    if (second.status === "valid")
      expect(second.attestation.prevCertificateHash).to.equal(first.attestation.certificateHash);
  });

  it("returns the same signature when asked again (idempotent)", async () => {
    const a = await client.attest(request(1, step1));
    const b = await client.attest(request(1, step1));
    expect(b).to.deep.include({ repeated: true });
    if (a.status === "valid" && b.status === "valid") expect(b.signature).to.equal(a.signature);
  });

  it("refuses a second, differently worded but valid certificate for an attested step: 409 ATTESTATION_CONFLICT", async () => {
    const cert = JSON.parse(Buffer.from(step1["certificate.json"]!).toString("utf8"));
    cert.issuedAt = new Date(Date.parse(cert.issuedAt) + 1).toISOString();
    const bytes = new TextEncoder().encode(canonicalJson(cert));
    const token = w.stack.issuer.mint({ aud: "sigstore" }, { context: { runId: cert.run.runId, runAttempt: "1" } });
    const bundle = await attestCertificate({
      certificateBytes: bytes,
      token,
      sigstore: { fulcioUrl: w.sigstore.fulcioUrl, tsaUrl: w.sigstore.tsaUrl },
    });
    const files = {
      ...step1,
      "certificate.json": bytes,
      "certificate.sigstore.json": new TextEncoder().encode(JSON.stringify(bundle)),
    };
    const err = await client.attest(request(1, files)).catch((e: unknown) => e);
    expect(err).to.include({ code: "ATTESTATION_CONFLICT", status: 409 });
  });

  it("checks a step from genesis against the buyer's genesis state when it is sent (else: unchecked, not blocking)", async () => {
    const without = await client.attest(request(1, step1));
    expect(without.status).to.equal("valid");
    expect(check(without.report, "continuity.genesis")).to.equal("unchecked");
    const withGenesis = await client.attest(request(1, step1, undefined, { genesisState: await genesisOf(id) }));
    expect(withGenesis.status).to.equal("valid");
    expect(check(withGenesis.report, "continuity")).to.equal("passed");
    expect(check(withGenesis.report, "continuity.genesis")).to.equal(undefined);
  });

  it("refuses a step from genesis whose stateIn is not the genesis state sent: 422 FAILURE_CONTINUITY_BROKEN, nothing signed", async () => {
    const other = await w.buy(1);
    const files = await w.runStep(other, 1, 0, "tsa");
    const swapped = await client.attest(
      request(1, files, undefined, { entitlementId: other, genesisState: await genesisOf(id) }),
    );
    expect(swapped.status).to.equal("invalid");
    expect(swapped.report.code).to.equal("FAILURE_CONTINUITY_BROKEN");
    expect(check(swapped.report, "continuity")).to.equal("failed");
    // Nothing was recorded: the honest request is the first signature of that step.
    const honest = await client.attest(
      request(1, files, undefined, { entitlementId: other, genesisState: await genesisOf(other) }),
    );
    expect(honest).to.deep.include({ status: "valid", repeated: false });
  });

  it("answers 422 with the report for invalid evidence, and signs nothing", async () => {
    const answer = await client.attest(request(1, { ...step1, "result.jwe": new TextEncoder().encode("x") }));
    expect(answer.status).to.equal("invalid");
    expect(answer.report.code).to.equal("FAILURE_HASH_MISMATCH");
  });

  it("answers 422 invalid for a step that was never consumed: FAILURE_PERMIT_MISMATCH", async () => {
    const answer = await client.attest(request(3, step1));
    expect(answer.status).to.equal("invalid");
    expect(answer.report.code).to.equal("FAILURE_PERMIT_MISMATCH");
  });

  it("refuses another market: 400 VERIFY_MARKET_NOT_SERVED", async () => {
    const body = { ...request(1, step1), market: `0x${"1".repeat(40)}` };
    const err = await client.attest(body).catch((e: unknown) => e);
    expect(err).to.include({ code: "VERIFY_MARKET_NOT_SERVED", status: 400 });
  });

  it("refuses malformed bodies strictly: not JSON, unknown keys, bad base64, missing files, wrong type", async () => {
    const good = request(1, step1);
    for (const body of [
      "{",
      JSON.stringify({ ...good, extra: 1 }),
      JSON.stringify({ ...good, files: { ...good.files, "certificate.json": "!!" } }),
      JSON.stringify({ ...good, files: { "certificate.json": good.files["certificate.json"] } }),
      JSON.stringify({ ...good, files: { ...good.files, "../x": "AA==" } }),
      JSON.stringify({ ...good, step: 0 }),
      JSON.stringify({ ...good, chainId: "031337" }),
      JSON.stringify({ ...good, genesisState: "not base64!" }),
    ]) {
      const res = await post(body);
      expect(res.status, body.slice(0, 80)).to.equal(400);
      expect(((await res.json()) as { code: string }).code).to.equal("VERIFY_REQUEST_INVALID");
    }
    expect((await post("{}", "text/plain")).status).to.equal(415);
    expect((await fetch(`${server.url}/v1/other`)).status).to.equal(404);
    expect((await fetch(`${server.url}/v1/attestations`)).status).to.equal(405);
  });

  it("refuses work beyond its concurrency limit instead of queueing it: 503 VERIFY_UNAVAILABLE", async () => {
    const busy = await startVerifierServer(
      {
        config: w.config,
        reader: w.reader,
        chainId: w.chainId,
        signer: fromViemAccount(devAccount("verifier")),
        storeDir: store,
      },
      { maxConcurrent: 0 },
    );
    try {
      const err = await createVerifierClient(busy.url, fetch)
        .attest(request(1, step1))
        .catch((e: unknown) => e);
      expect(err).to.include({ code: "VERIFY_UNAVAILABLE", status: 503 });
    } finally {
      await busy.close();
    }
  });

  it("refuses a body over the limit: 413 VERIFY_REQUEST_TOO_LARGE", async () => {
    const small = await startVerifierServer(
      {
        config: w.config,
        reader: w.reader,
        chainId: w.chainId,
        signer: fromViemAccount(devAccount("verifier")),
        storeDir: store,
      },
      { maxBodyBytes: 1024 },
    );
    try {
      const res = await fetch(`${small.url}/v1/attestations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request(1, step1)),
      });
      expect(res.status).to.equal(413);
      expect(((await res.json()) as { code: string }).code).to.equal("VERIFY_REQUEST_TOO_LARGE");
    } finally {
      await small.close();
    }
  });

  describe("the cache of final chain facts", () => {
    /** JSON-RPC calls the service made, through a counting transport in front of the node. */
    const calls: { method: string; params: unknown }[] = [];
    let cached: VerifierServer;
    let cachedClient: VerifierClient;
    let ent: bigint;
    let files1: StepFiles;
    let files2: StepFiles;

    before(async () => {
      const node = w.stack.publicClient;
      const counted = createPublicClient({
        chain: w.stack.chain,
        transport: custom({
          request: ({ method, params }: { method: string; params?: unknown }) => {
            calls.push({ method, params });
            return node.request({ method, params } as never);
          },
        }),
      }) as unknown as PublicClient;
      const reader: MarketReader = { publicClient: counted, market: w.stack.market };
      cached = await startVerifierServer({
        config: w.config,
        reader,
        chainId: w.chainId,
        signer: fromViemAccount(devAccount("verifier")),
        storeDir: store,
        fromBlock: w.stack.deployBlock,
        factsCache: new ChainFactsCache({ finalityDepth: 1n }),
      });
      cachedClient = createVerifierClient(cached.url, fetch);
      ent = await w.buy(3);
      files1 = await w.runStep(ent, 1, 0, "tsa");
      files2 = await w.runStep(ent, 2, 1, "tsa");
    });
    after(() => cached?.close());

    const logScansFrom = () =>
      calls
        .filter((c) => c.method === "eth_getLogs")
        .map((c) => hexToBigInt((c.params as [{ fromBlock: `0x${string}` }])[0].fromBlock));
    const contractReads = () =>
      calls
        .filter((c) => c.method === "eth_call")
        .map((c) => {
          const data = (c.params as [{ data?: `0x${string}`; input?: `0x${string}` }])[0];
          return decodeFunctionData({ abi: swarmMarketAbi, data: (data.data ?? data.input)! }).functionName;
        });

    it("does not rescan from the start block for another step of the same entitlement, nor re-read the offer", async () => {
      const head = await w.stack.publicClient.getBlockNumber({ cacheTime: 0 }); // step 2's consume: not yet final
      calls.length = 0;
      expect((await cachedClient.attest(request(1, files1, undefined, { entitlementId: ent }))).status).to.equal(
        "valid",
      );
      expect(logScansFrom()).to.deep.equal([w.stack.deployBlock]);
      expect(contractReads()).to.include.members(["getEntitlement", "getOffer"]);
      calls.length = 0;
      const second = await cachedClient.attest(request(2, files2, files1["certificate.json"], { entitlementId: ent }));
      expect(second.status).to.equal("valid");
      // Only blocks above the last final one are scanned: step 2's own block, which was not final when cached.
      expect(logScansFrom()).to.deep.equal([head]);
      expect(contractReads()).to.include("getEntitlement"); // its consumed counter can change: always read
      expect(contractReads()).to.not.include("getOffer");
    });

    it("never caches 'not consumed': a step consumed after a 422 verifies on the next ask", async () => {
      const early = await cachedClient.attest(request(3, files2, files2["certificate.json"], { entitlementId: ent }));
      expect(early.status).to.equal("invalid");
      expect(early.report.code).to.equal("FAILURE_PERMIT_MISMATCH");
      const files3 = await w.runStep(ent, 3, 2, "tsa");
      const later = await cachedClient.attest(request(3, files3, files2["certificate.json"], { entitlementId: ent }));
      expect(later.status).to.equal("valid");
    });
  });
});
