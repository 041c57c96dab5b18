// The demo's step command: a small stateful workload, run by the runner with `process.execPath` (no shell).
// State is a counter and a running word list; each step adds the next word. The runner hands the decrypted input
// state as a file and encrypts whatever this writes: the command never sees a key.
import { readFileSync, writeFileSync } from "node:fs";

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"];

const env = process.env;
const state = JSON.parse(readFileSync(env.SWARM_STATE_IN, "utf8"));
if (!Number.isSafeInteger(state.counter) || !Array.isArray(state.words)) {
  throw new Error("expected a state {counter, words}");
}
const word = WORDS[state.counter % WORDS.length];
const next = { counter: state.counter + 1, words: [...state.words, word] };

writeFileSync(env.SWARM_STATE_OUT, JSON.stringify(next));
writeFileSync(
  env.SWARM_RESULT_OUT,
  JSON.stringify({ step: env.SWARM_STEP, fromStep: env.SWARM_FROM_STEP, added: word, sentence: next.words.join(" ") }),
);
writeFileSync(env.SWARM_NEXT_TOKENS_OUT, JSON.stringify([WORDS[next.counter % WORDS.length]]));
