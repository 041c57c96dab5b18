/**
 * Measures `swarm verify`: one step, and a 100-step run, with chain facts fetched beforehand (the figure is
 * verification, not RPC); and, on the same bundles in the same process, `@sigstore/verify` alone (parse the bundle
 * JSON, build the signed entity, verify it with trust material loaded once). overheadRatio = run / Sigstore-only.
 *
 *   npm run bench:verify                      # report
 *   npm run bench:verify -- --json            # report, then one JSON line
 *   npm run bench:verify -- --steps 100 --rounds 7 --kind tlog
 */
import { bundleFromJSON } from "@sigstore/bundle";
import { Verifier, toSignedEntity } from "@sigstore/verify";

import { loadTrustMaterial } from "../client/src/attest";
import { verifyRun, verifyStep } from "../client/src/verify";
import { buildBenchVerifyWorld } from "./lib/benchVerifyWorld";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const steps = Number(arg("steps", "100"));
  const rounds = Number(arg("rounds", "7"));
  const kind = arg("kind", "tsa") === "tlog" ? "tlog" : "tsa";
  const json = process.argv.includes("--json");
  if (!Number.isInteger(steps) || steps < 2 || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error("expected --steps ≥ 2 and --rounds ≥ 1");
  }
  process.stderr.write(`… attesting ${steps} chained steps (${kind}) with the development Sigstore\n`);
  const world = await buildBenchVerifyWorld(steps, kind);
  try {
    const sigstoreOnly = new Verifier(loadTrustMaterial(world.trustedRoot), world.config.trust.roots[0]!.thresholds);
    const sigstoreRun = () => {
      for (const text of world.bundles) sigstoreOnly.verify(toSignedEntity(bundleFromJSON(JSON.parse(text))));
    };
    const swarmRun = () => {
      const r = verifyRun(world.config, world.ref, world.evidence, world.facts);
      if (r.report.result !== "valid") throw new Error(`bench run is ${r.report.result}: ${r.report.code}`);
    };
    const lastStep = steps;
    const swarmStep = () => {
      const files = world.evidence.steps.get(lastStep)!;
      const from = world.evidence.steps.get(lastStep - 1)!["certificate.json"]!;
      const v = verifyStep(
        world.config,
        { ...world.ref, step: lastStep },
        { files, fromCertificate: from },
        world.facts,
      );
      if (v.report.result !== "valid") throw new Error(`bench step is ${v.report.result}`);
    };
    swarmRun();
    sigstoreRun();
    const runTimes: number[] = [];
    const sigTimes: number[] = [];
    const stepTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      sigTimes.push(time(sigstoreRun));
      runTimes.push(time(swarmRun));
      for (let i = 0; i < 10; i++) stepTimes.push(time(swarmStep));
    }
    const scale = 100 / steps;
    const run100Ms = median(runTimes) * scale;
    const sigstoreOnlyMs = median(sigTimes) * scale;
    const stepMs = median(stepTimes);
    const overheadRatio = run100Ms / sigstoreOnlyMs;
    const lines = [
      `verify one step            ${stepMs.toFixed(2)} ms (median of ${stepTimes.length})`,
      `verify a 100-step run      ${run100Ms.toFixed(1)} ms (median of ${rounds}; ${steps} steps measured)`,
      `@sigstore/verify alone     ${sigstoreOnlyMs.toFixed(1)} ms for the same 100 bundles`,
      `overhead ratio             ${overheadRatio.toFixed(3)} (target ≤ 1.3)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (json) {
      const out = {
        stepMs: round(stepMs),
        run100Ms: round(run100Ms),
        sigstoreOnlyMs: round(sigstoreOnlyMs),
        overheadRatio: round(overheadRatio, 3),
        steps,
        rounds,
        kind,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    }
  } finally {
    await world.stop();
  }
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

main().catch((err: unknown) => {
  process.stderr.write(`bench:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
