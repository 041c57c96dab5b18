import { type Address, type Hex, getAddress } from "viem";
import { z } from "zod";

/** A deployment check that failed: a stable code and "expected X, got Y". */
export class DeploymentCheckError extends Error {
  override readonly name = "DeploymentCheckError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a DeploymentCheckError. */
export function checkFailed(code: string, message: string): never {
  throw new DeploymentCheckError(code, message);
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 20-byte 0x address");
const hash = z.string().regex(/^0x[0-9a-f]{64}$/, "expected a 0x lowercase 32-byte hash");
/** Integers: decimal strings (the project's encoding); records written by early deploys used JSON numbers. */
const uint = z.union([z.string().regex(/^(0|[1-9][0-9]*)$/), z.number().int().nonnegative()]).transform(BigInt);

const contractEntry = {
  address,
  deployBlock: uint,
  transactionHash: hash,
  abiDigest: hash,
};

const recordSchema = z.object({
  network: z.string().min(1),
  chainId: uint,
  contracts: z.object({
    SwarmMarket: z.object({
      ...contractEntry,
      owner: address,
      tokens: z.array(address),
      termBounds: z.record(z.string(), uint),
    }),
    EvidenceAnchor: z.object(contractEntry).optional(),
  }),
});

/** One deployed contract, as the record names it. */
export interface DeployedContract {
  readonly address: Address;
  readonly deployBlock: bigint;
  readonly transactionHash: Hex;
  readonly abiDigest: Hex;
}

/** A parsed `deployments/<network>.json`. */
export interface ParsedDeployment {
  readonly network: string;
  readonly chainId: bigint;
  readonly market: DeployedContract & {
    readonly owner: Address;
    readonly tokens: readonly Address[];
    readonly termBounds: Readonly<Record<string, bigint>>;
  };
  readonly anchor?: DeployedContract;
}

function entry(e: {
  address: string;
  deployBlock: bigint;
  transactionHash: string;
  abiDigest: string;
}): DeployedContract {
  return {
    address: getAddress(e.address),
    deployBlock: e.deployBlock,
    transactionHash: e.transactionHash as Hex,
    abiDigest: e.abiDigest as Hex,
  };
}

/** Parses a deployment record's text (RECORD_INVALID when it is not the shape `npm run deploy` writes). */
export function parseDeploymentRecord(text: string): ParsedDeployment {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    checkFailed("RECORD_INVALID", "expected the deployment record to be JSON");
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) checkFailed("RECORD_INVALID", `deployment record: ${z.prettifyError(parsed.error)}`);
  const { SwarmMarket: m, EvidenceAnchor: a } = parsed.data.contracts;
  return {
    network: parsed.data.network,
    chainId: parsed.data.chainId,
    market: {
      ...entry(m),
      owner: getAddress(m.owner),
      tokens: m.tokens.map((t) => getAddress(t)),
      termBounds: m.termBounds,
    },
    ...(a === undefined ? {} : { anchor: entry(a) }),
  };
}
