import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createWalletClient, http } from "viem";

import { runCli } from "../../client/src/cli/program";
import { createGatewayClient } from "../../client/src/gateway/client";
import { STEP_CERTIFICATE_PREDICATE_TYPE } from "../../client/src/attest/statement";
import { fromViemAccount } from "../../client/src/signer";
import { main } from "../../docs/examples/buyer";
import { type World, startWorld } from "../e2e/support/world";
import { playSellerSide } from "./runnerSide";

const EXAMPLES = path.join(__dirname, "..", "..", "docs", "examples");

/** `swarm <path> --help` run in-process, its stdout. */
async function helpOf(commandPath: readonly string[]): Promise<string> {
  let out = "";
  const code = await runCli([...commandPath, "--help"], {
    env: {},
    cwd: process.cwd(),
    streams: { stdout: (s) => (out += s), stderr: () => undefined },
    fetch,
    clock: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  expect(code, `swarm ${commandPath.join(" ")} --help`).to.equal(0);
  return out;
}

/** Every `swarm …` invocation in a workflow's run blocks (continuation lines joined), as words up to `--`. */
function swarmInvocations(yaml: string): string[][] {
  const joined = yaml.replace(/\\\n\s*/g, " ");
  const calls: string[][] = [];
  for (const line of joined.split("\n")) {
    const m = /^\s*npx swarm\s+(.*)$/.exec(line);
    if (m === null) continue;
    const words: string[] = [];
    for (const w of (m[1] ?? "").split(/\s+/)) {
      if (w === "--" || /^[0-9]?[>|&]/.test(w)) break;
      if (w !== "") words.push(w);
    }
    calls.push(words);
  }
  return calls;
}

/** The command path of an invocation: its bare words that `swarm --help` (then the group's help) lists. */
async function commandPathOf(words: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const w of words.filter((x) => /^[a-z]+$/.test(x))) {
    const help = await helpOf(found);
    if (!new RegExp(`^\\s+${w}\\b`, "m").test(help.split(/^Commands:$/m)[1] ?? "")) break;
    found.push(w);
  }
  return found;
}

describe("docs/examples", () => {
  describe("seller-step.yml", () => {
    let yaml: string;

    before(async () => {
      yaml = await readFile(path.join(EXAMPLES, "seller-step.yml"), "utf8");
    });

    it("is block YAML without tabs, with the permissions the attestation needs", () => {
      expect(yaml).to.not.match(/\t/);
      expect(yaml).to.match(/^on:/m);
      expect(yaml).to.match(/^jobs:/m);
      for (const p of ["id-token: write", "attestations: write", "contents: read"]) expect(yaml).to.contain(p);
    });

    it("pins every action by a full commit SHA", () => {
      const uses = [...yaml.matchAll(/uses:\s*(\S+)/g)].map((m) => m[1] ?? "");
      expect(uses.length).to.be.greaterThan(3);
      for (const u of uses) expect(u, u).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    });

    it("attests certificate.json with the step-certificate predicate type", () => {
      expect(yaml).to.contain(`predicate-type: ${STEP_CERTIFICATE_PREDICATE_TYPE}`);
      expect(yaml).to.match(/subject-path: .*certificate\.json/);
      expect(yaml).to.match(/predicate-path: /);
    });

    it("calls only swarm commands and flags that exist", async () => {
      const calls = swarmInvocations(yaml);
      expect(
        calls.map((c) =>
          c
            .filter((w) => /^[a-z]+$/.test(w))
            .slice(0, 2)
            .join(" "),
        ),
      ).to.include.members(["proxy", "run step", "run attest"]);
      const rootHelp = await helpOf([]);
      for (const words of calls) {
        const commandPath = await commandPathOf(words);
        expect(commandPath.length, `swarm ${words.join(" ")}`).to.be.greaterThan(0);
        const help = await helpOf(commandPath);
        for (const flag of words.filter((w) => w.startsWith("--"))) {
          const known = new RegExp(`\\s${flag.split("=")[0]}\\b`);
          expect(known.test(help) || known.test(rootHelp), `swarm ${commandPath.join(" ")} ${flag}`).to.equal(true);
        }
      }
    });
  });

  describe("buyer.ts", function () {
    this.timeout(180_000);
    let world: World;
    let dir: string;

    before(async () => {
      world = await startWorld();
      dir = await mkdtemp(path.join(tmpdir(), "swarm-examples-"));
    });

    after(async () => {
      await world?.stop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it("buys two steps, answers both runner sessions, accepts the claims and reads the outputs", async () => {
      const evidenceDir = path.join(dir, "evidence");
      const lines: string[] = [];
      const seller = playSellerSide(world, evidenceDir, dir, 2);
      const buyer = main({
        buyer: {
          publicClient: world.publicClient,
          market: world.market,
          wallet: createWalletClient({ account: world.buyer, transport: http(world.node.url) }),
        },
        signer: fromViemAccount(world.buyer),
        gateway: createGatewayClient(world.url, fetch),
        clock: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        offerId: world.offerId,
        steps: 2,
        capsule: world.policy.bytes,
        genesisState: new TextEncoder().encode(JSON.stringify({ count: 0 })),
        evidenceDir,
        waitMs: 90_000,
        log: (line) => lines.push(line),
      });
      const [, result] = await Promise.all([seller, buyer]);
      const decode = (b: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(b));
      expect(result.outputs.map((o) => decode(o.state))).to.deep.equal([{ count: 1 }, { count: 2 }]);
      expect(decode(result.outputs[1]?.result)).to.deep.equal({ step: "2", count: 2 });
      expect(lines.filter((l) => l.includes("accepted"))).to.have.length(2);
    });
  });
});
