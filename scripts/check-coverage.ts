/**
 * Fails unless the contracts' line coverage in coverage.json (written by `hardhat coverage`) reaches the
 * threshold. Usage: ts-node scripts/check-coverage.ts [minPercent=95]
 */
import { readFileSync } from "node:fs";

interface FileCoverage {
  l: Record<string, number>;
}

const min = Number(process.argv[2] ?? 95);
const report = JSON.parse(readFileSync("coverage.json", "utf8")) as Record<string, FileCoverage>;
let total = 0;
let covered = 0;
for (const [file, cov] of Object.entries(report)) {
  const lines = Object.values(cov.l);
  const hit = lines.filter((n) => n > 0).length;
  total += lines.length;
  covered += hit;
  if (hit < lines.length) console.log(`${file}: ${hit}/${lines.length} lines`);
}
const percent = total === 0 ? 0 : (100 * covered) / total;
console.log(`contract line coverage: ${percent.toFixed(2)}% (${covered}/${total}), required ${min}%`);
if (percent < min) process.exitCode = 1;
