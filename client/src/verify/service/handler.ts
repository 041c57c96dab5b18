import type { Address } from "viem";

import type { MarketReader } from "../../chain/clients";
import { isProtocolError } from "../../protocol/errors";
import type { TypedDataSigner } from "../../signer";
import { AttestationStoreCode } from "../attestationStore";
import { attestVerifiedStep } from "../attestStep";
import { fetchChainFacts } from "../chainFacts";
import type { ChainFactsCache } from "../chainFactsCache";
import { type VerifierConfig, verifyStep } from "../verifyStep";
import {
  type AttestationRefused,
  type AttestationValid,
  type ServiceError,
  type VerifierHealth,
  VerifierServiceErrorCode as E,
  attestationRequestSchema,
} from "./api";

/** What the verifier service runs with: its trust, one market on one chain (read by RPC), its key and records. */
export interface VerifierServiceDeps {
  readonly config: VerifierConfig;
  readonly reader: MarketReader;
  readonly chainId: bigint;
  readonly signer: TypedDataSigner;
  /** The attestation record folder. */
  readonly storeDir: string;
  /** Where StepConsumed logs are read from (the market's deploy block). */
  readonly fromBlock?: bigint;
  /** Final chain facts kept between requests (startVerifierServer creates one when absent). */
  readonly factsCache?: ChainFactsCache;
}

/** An HTTP answer: status and JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: AttestationValid | AttestationRefused | ServiceError | VerifierHealth;
}

const error = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });

/** GET /healthz. */
export function handleHealth(deps: VerifierServiceDeps): Answer {
  return {
    status: 200,
    body: {
      status: "ok",
      verifier: deps.signer.address.toLowerCase(),
      chainId: deps.chainId.toString(),
      markets: [deps.reader.market.toLowerCase()],
      chainFacts: "rpc",
    },
  };
}

function decodeFiles(files: Record<string, string>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, b64] of Object.entries(files)) out[name] = new Uint8Array(Buffer.from(b64, "base64"));
  return out;
}

/**
 * POST /v1/attestations: parse strictly → the market is this service's → chain facts by RPC (503 when the RPC
 * fails) → verifyStep → 422 with the report unless valid → sign once (409 on a second certificate) → 200.
 */
export async function handleAttestation(deps: VerifierServiceDeps, body: unknown): Promise<Answer> {
  const parsed = attestationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return error(400, E.REQUEST_INVALID, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const req = parsed.data;
  const chainId = BigInt(req.chainId);
  const market = req.market as Address;
  if (chainId !== deps.chainId || market !== deps.reader.market.toLowerCase()) {
    return error(400, E.MARKET_NOT_SERVED, `this verifier serves chain ${deps.chainId}, market ${deps.reader.market}`);
  }
  const entitlementId = BigInt(req.entitlementId);
  const files = decodeFiles(req.files);
  const fromCertificate = req.fromCertificate === undefined ? undefined : Buffer.from(req.fromCertificate, "base64");
  const genesisState = req.genesisState === undefined ? undefined : Buffer.from(req.genesisState, "base64");
  let facts;
  try {
    facts = await fetchChainFacts(deps.reader, chainId, entitlementId, {
      ...(deps.fromBlock === undefined ? {} : { fromBlock: deps.fromBlock }),
      ...(deps.factsCache === undefined ? {} : { cache: deps.factsCache }),
      steps: [req.step, ...fromStepHint(files)],
    });
  } catch (cause) {
    if (isProtocolError(cause, "MARKET_UNKNOWN_ENTITLEMENT")) {
      return error(400, E.REQUEST_INVALID, `entitlement ${entitlementId} does not exist`);
    }
    return error(503, E.UNAVAILABLE, "cannot read the chain; retry later");
  }
  const verification = verifyStep(
    deps.config,
    { chainId, market, entitlementId, step: req.step },
    {
      files,
      ...(fromCertificate === undefined ? {} : { fromCertificate: new Uint8Array(fromCertificate) }),
      ...(genesisState === undefined ? {} : { genesisState: new Uint8Array(genesisState) }),
    },
    facts,
  );
  const report = verification.report;
  if (report.result !== "valid") return { status: 422, body: { status: report.result, report } };
  try {
    const signed = await attestVerifiedStep(verification, {
      storeDir: deps.storeDir,
      signer: deps.signer,
      chainId,
      market,
    });
    return {
      status: 200,
      body: {
        status: "valid",
        chainId: signed.record.chainId,
        market: signed.record.market,
        verifier: signed.record.verifier,
        attestation: signed.record.attestation,
        signature: signed.record.signature,
        repeated: signed.repeated,
        report,
      },
    };
  } catch (cause) {
    if (isProtocolError(cause, AttestationStoreCode.CONFLICT)) return error(409, E.ATTESTATION_CONFLICT, cause.message);
    return error(503, E.UNAVAILABLE, "cannot record the attestation; nothing was signed");
  }
}

/** The fromStep named in certificate.json, so that its on-chain record is read too (strict parsing comes later). */
function fromStepHint(files: Record<string, Uint8Array>): number[] {
  const bytes = files["certificate.json"];
  const match = bytes && /"fromStep":"([1-9][0-9]{0,9})"/.exec(Buffer.from(bytes).toString("utf8"));
  return match ? [Number(match[1])] : [];
}
