// The example step command (see seller-step.yml): a counter. The runner hands the decrypted input state as a file
// ($SWARM_STATE_IN) and encrypts whatever this writes to $SWARM_STATE_OUT, $SWARM_RESULT_OUT and
// $SWARM_NEXT_TOKENS_OUT; the command never sees a key. Run with `node step.mjs`, no shell.
import { readFileSync, writeFileSync } from "node:fs";

const env = process.env;
const state = JSON.parse(readFileSync(env.SWARM_STATE_IN, "utf8"));
if (!Number.isSafeInteger(state.count) || state.count < 0) throw new Error("expected a state {count}");
const next = { count: state.count + 1 };

writeFileSync(env.SWARM_STATE_OUT, JSON.stringify(next));
writeFileSync(env.SWARM_RESULT_OUT, JSON.stringify({ step: env.SWARM_STEP, count: next.count }));
writeFileSync(env.SWARM_NEXT_TOKENS_OUT, JSON.stringify([]));
