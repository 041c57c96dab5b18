/**
 * `npm run bench:bundle [-- --json]`: durable receipt appends per second by 64 concurrent appenders (the gateway's
 * real ledger, group commit, fsync), the time to verify a bundle of 10,000 Ed25519-signed receipts, and the time to
 * verify one inclusion and one consistency proof. With --json the last line is one JSON object.
 */
import { availableParallelism, loadavg } from "node:os";
import { benchAppends, benchProofs, benchVerify10k } from "./lib/benchBundle";

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  const load = loadavg()[0]!.toFixed(1);
  const appendsPerSec = await benchAppends(64, 5000);
  const verify = await benchVerify10k(10_000);
  const { inclusionUs, consistencyUs } = benchProofs(10_000, 2000);
  const figures = {
    appendsPerSec: Math.round(appendsPerSec),
    verify10kMs: Math.round(verify.pooledMs),
    verify10kInlineMs: Math.round(verify.inlineMs),
    verify10kCpuMs: Math.round(verify.inlineCpuMs),
    inclusionUs: Number(inclusionUs.toFixed(1)),
    consistencyUs: Number(consistencyUs.toFixed(1)),
    cores: availableParallelism(),
    loadAverage: Number(load),
  };
  console.log(
    `machine: ${figures.cores} cores, load average ${load} at the start (figures are wall time unless noted)`,
  );
  console.log(`durable appends, 64 concurrent appenders, group commit: ${figures.appendsPerSec}/s (target ≥ 2000)`);
  console.log(
    `verify a 10,000-receipt bundle, Ed25519: ${figures.verify10kMs} ms with a signature worker pool (target ≤ 1500)`,
  );
  console.log(
    `  on one thread: ${figures.verify10kInlineMs} ms wall, ${figures.verify10kCpuMs} ms CPU (= wall on an idle core)`,
  );
  console.log(
    `inclusion proof verify: ${figures.inclusionUs} µs; consistency proof verify: ${figures.consistencyUs} µs`,
  );
  console.log("hybrid ML-DSA receipts: not measured (the ledger signs Ed25519 only)");
  if (json) console.log(JSON.stringify(figures));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
