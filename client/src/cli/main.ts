/** Entry point of `swarm` (client/bin/swarm.js requires this file): the process is read here and nowhere else. */
import { runCli } from "./program";

void runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  streams: { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
  fetch: globalThis.fetch,
  clock: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}).then((code) => {
  process.exitCode = code;
});
