import type { KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import type { BundlePins } from "../../client/src/bundle";
import { shownPath } from "./outputDir";

/** What the demo's auditor pins, from the demo's own keys (never from the bundle's trust/ folder). */
export interface DemoPins {
  readonly issuerKey: KeyObject;
  readonly logKey: KeyObject;
  readonly tsaChainPem: string;
  readonly witnessPolicy: {
    readonly threshold: number;
    readonly witnesses: readonly string[];
    readonly origin: string;
  };
}

/** The pin files in `<out>/pins/`, one per `swarm bundle verify` flag. */
export function pinFiles(dir: string): { issuer: string; log: string; tsaChain: string; witnessPolicy: string } {
  return {
    issuer: path.join(dir, "issuer.pem"),
    log: path.join(dir, "log-key.pem"),
    tsaChain: path.join(dir, "tsa-chain.pem"),
    witnessPolicy: path.join(dir, "witness-policy.json"),
  };
}

const spki = (key: KeyObject): string => key.export({ format: "pem", type: "spki" }).toString();

/** Writes the pins (public material only) into `dir`, as `swarm bundle verify` reads them. */
export async function writePins(dir: string, pins: DemoPins): Promise<void> {
  const files = pinFiles(dir);
  await writeFile(files.issuer, spki(pins.issuerKey));
  await writeFile(files.log, spki(pins.logKey));
  await writeFile(files.tsaChain, pins.tsaChainPem);
  await writeFile(files.witnessPolicy, `${JSON.stringify(pins.witnessPolicy, null, 2)}\n`);
}

/** The pins as `verifyBundle` takes them. */
export function bundlePins(pins: DemoPins): BundlePins {
  return {
    issuerKey: pins.issuerKey,
    logKey: pins.logKey,
    tsaChainPem: pins.tsaChainPem,
    witnessPolicy: pins.witnessPolicy,
  };
}

/** A path quoted for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that verifies the bundle in `bundleDir` again, offline, with the pins in `pinsDir`. */
export function verifyCommand(bundleDir: string, pinsDir: string): string {
  const files = pinFiles(pinsDir);
  const p = (file: string) => shellWord(shownPath(file));
  return (
    `npx swarm bundle verify ${p(bundleDir)} --pin-key ${p(files.issuer)} --log-key ${p(files.log)} ` +
    `--tsa-chain ${p(files.tsaChain)} --witness-policy ${p(files.witnessPolicy)}`
  );
}
