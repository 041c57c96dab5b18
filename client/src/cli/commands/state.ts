/**
 * `swarm state seed|keys|read`: the buyer's side of the encrypted state: seed the genesis state, fetch state keys
 * from the gateway, and read a settled step's outputs. Key material never goes to stdout: `keys` writes a file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { Command } from "commander";

import { getEntitlement, readStepOutput, requestStateKeys, seedGenesisState, verifyCapsuleIsOffers } from "../../buyer";
import { readChainId, readOffer } from "../../chain/read";
import type { StateBundleKind } from "../../protocol/stateBundle";
import { generateWorkerKeyPair } from "../../protocol/keys";
import { EvidenceFile, stepEvidenceDir, writeGenesisState } from "../../runner";
import { fromViemAccount } from "../../signer";
import { parseCount, parseId, readFileBytes } from "../args";
import { type CliContext, contextOf } from "../context";

/** The capsule given with --capsule, checked to be the entitlement's offer's; returns its maxStateBytes. */
async function offerCapsuleLimit(ctx: CliContext, entitlementId: bigint, file: string): Promise<number> {
  const reader = ctx.marketReader();
  const entitlement = await getEntitlement(reader, entitlementId);
  const [offer, chainId] = await Promise.all([readOffer(reader, entitlement.offerId), readChainId(reader)]);
  const capsule = verifyCapsuleIsOffers(
    readFileBytes(ctx.resolvePath(file), "capsule"),
    offer,
    BigInt(chainId),
    reader.market,
  );
  return Number(capsule.limits.maxStateBytes);
}

function registerSeed(state: Command): void {
  state
    .command("seed")
    .description("encrypt the initial state under stateKey(0) as <evidence>/<entitlement>/0/state.jwe")
    .argument("<entitlementId>", "the entitlement's id")
    .requiredOption("--file <file>", "the initial state (any bytes)")
    .requiredOption("--capsule <file>", "the offer's policy capsule (its maxStateBytes bounds the state)")
    .option("--evidence <dir>", "root of the evidence layout", "evidence")
    .addHelpText(
      "after",
      "\nExample:\n  $ swarm state seed 1 --file initial-state.json --capsule policy.json --evidence evidence",
    )
    .action(async (entitlementId: string, opts: { file: string; capsule: string; evidence: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const maxBytes = await offerCapsuleLimit(ctx, id, opts.capsule);
      const genesis = await seedGenesisState(ctx.marketReader(), ctx.gateway(), {
        entitlementId: id,
        state: readFileBytes(ctx.resolvePath(opts.file), "state"),
        maxBytes,
        signer: fromViemAccount(ctx.account()),
        recipient: generateWorkerKeyPair(),
        clock: ctx.clock,
      });
      const file = await writeGenesisState(ctx.resolvePath(opts.evidence), id, genesis.jwe);
      ctx.out.result(
        { entitlementId: id, file, sha256: genesis.sha256, receiptSeq: genesis.receiptSeq },
        {
          genesis: file,
          sha256: genesis.sha256,
          receipt: genesis.receiptSeq,
        },
      );
    });
}

function registerKeys(state: Command): void {
  state
    .command("keys")
    .description("fetch the state keys of settled steps (and step 0) into a file (mode 600; never printed)")
    .argument("<entitlementId>", "the entitlement's id")
    .requiredOption("--from <step>", "first step")
    .requiredOption("--to <step>", "last step (at most 256 steps in one request)")
    .requiredOption("--out <file>", "where the keys are written (must not exist)")
    .addHelpText("after", "\nExample:\n  $ swarm state keys 1 --from 0 --to 3 --out state-keys.json")
    .action(async (entitlementId: string, opts: { from: string; to: string; out: string }, cmd: Command) => {
      const ctx = await contextOf(cmd);
      const id = parseId(entitlementId, "entitlementId");
      const keys = await requestStateKeys(ctx.marketReader(), ctx.gateway(), {
        entitlementId: id,
        fromStep: parseCount(opts.from, "--from"),
        toStep: parseCount(opts.to, "--to"),
        signer: fromViemAccount(ctx.account()),
        recipient: generateWorkerKeyPair(),
        clock: ctx.clock,
      });
      const steps = [...keys.keys.keys()].sort((a, b) => a - b);
      const doc = {
        entitlementId: id.toString(),
        kv: keys.kv,
        keys: Object.fromEntries([...keys.keys].map(([s, k]) => [s.toString(), k])),
      };
      writeFileSync(ctx.resolvePath(opts.out), `${JSON.stringify(doc, null, 2)}\n`, { flag: "wx", mode: 0o600 });
      ctx.out.result({ entitlementId: id, steps, kv: keys.kv, receiptSeq: keys.receiptSeq, file: opts.out }, [
        `state keys of steps ${steps.join(", ")} written to ${opts.out}`,
        `receipt ${keys.receiptSeq}`,
      ]);
    });
}

const OUTPUT_FILES: readonly [StateBundleKind, string, string][] = [
  ["state", EvidenceFile.state, "state"],
  ["result", EvidenceFile.result, "result.json"],
  ["nextTokens", EvidenceFile.nextTokens, "next_tokens.json"],
];

function registerRead(state: Command): void {
  state
    .command("read")
    .description("decrypt a settled step's outputs (state, result, next tokens) from its evidence folder")
    .argument("<entitlementId>", "the entitlement's id")
    .argument("<step>", "the settled step")
    .requiredOption("--capsule <file>", "the offer's policy capsule")
    .option("--evidence <dir>", "root of the evidence layout", "evidence")
    .option("--out <dir>", "write the plaintext outputs here (state, result.json, next_tokens.json)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ swarm state read 1 2 --capsule policy.json\n  $ swarm state read 1 2 --capsule policy.json --out step2-plain",
    )
    .action(
      async (
        entitlementId: string,
        step: string,
        opts: { capsule: string; evidence: string; out?: string },
        cmd: Command,
      ) => {
        const ctx = await contextOf(cmd);
        const id = parseId(entitlementId, "entitlementId");
        const s = parseCount(step, "step", { min: 1 });
        const maxBytes = await offerCapsuleLimit(ctx, id, opts.capsule);
        const dir = stepEvidenceDir(ctx.resolvePath(opts.evidence), id, s);
        const files = Object.fromEntries(
          OUTPUT_FILES.map(([kind, name]) => [kind, readFileBytes(path.join(dir, name), kind)]),
        );
        const output = await readStepOutput(ctx.marketReader(), ctx.gateway(), {
          entitlementId: id,
          step: s,
          files,
          maxBytes,
          signer: fromViemAccount(ctx.account()),
          recipient: generateWorkerKeyPair(),
          clock: ctx.clock,
        });
        if (opts.out !== undefined) {
          const out = ctx.resolvePath(opts.out);
          mkdirSync(out, { recursive: true, mode: 0o700 });
          for (const [kind, , name] of OUTPUT_FILES)
            writeFileSync(path.join(out, name), output[kind]!, { flag: "wx", mode: 0o600 });
        }
        const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
        const result: unknown = JSON.parse(text(output.result));
        const nextTokens: unknown = JSON.parse(text(output.nextTokens));
        ctx.out.result(
          {
            entitlementId: id,
            step: s,
            result,
            nextTokens,
            stateBytes: output.state?.byteLength ?? 0,
            ...(opts.out === undefined ? {} : { out: opts.out }),
          },
          [
            `step ${s} of ${id}: result ${JSON.stringify(result)}`,
            `next tokens ${JSON.stringify(nextTokens)}`,
            `state ${output.state?.byteLength ?? 0} bytes${opts.out === undefined ? "" : `, written to ${opts.out}`}`,
          ],
        );
      },
    );
}

/** Registers `swarm state …`. */
export function registerStateCommands(program: Command): void {
  const state = program.command("state").description("buyer: genesis state, state keys, settled steps' outputs");
  registerSeed(state);
  registerKeys(state);
  registerRead(state);
}
