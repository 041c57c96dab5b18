import path from "node:path";

import type { StepCommand } from "../../client/src/runner";

/** The workload's state: a counter and the words added so far. */
export interface WordChainState {
  readonly counter: number;
  readonly words: readonly string[];
}

/** The state the buyer seeds at genesis. */
export const GENESIS_STATE: WordChainState = { counter: 0, words: [] };

/** The step command: `node scripts/demo/wordChain.mjs`, no shell, an empty environment (plus the runner's SWARM_*). */
export function wordChainCommand(): StepCommand {
  return {
    argv: [process.execPath, path.join(__dirname, "wordChain.mjs")],
    env: {},
    stdio: "ignore",
  };
}

/** Encodes a state as the command reads it. */
export function encodeState(state: WordChainState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(state));
}

/** Decodes JSON output bytes (state or result) for the story. */
export function decodeJson(bytes: Uint8Array | undefined): unknown {
  return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
}
