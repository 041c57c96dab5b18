import type { KeyObject } from "node:crypto";

import type { Clock } from "../../client/src/protocol/clock";
import { ed25519NoteVerifier } from "../../client/src/protocol/transparency";
import {
  type CosignResult,
  type Witness,
  cosignCheckpoint,
  fetchCosignRequest,
  fileWitnessState,
  generateWitnessKey,
} from "../../client/src/witness";

/** The demo's witness name (a key name, as `swarm witness keygen` takes it). */
export const DEMO_WITNESS_NAME = "witness.demo.local/w1";

/** A witness following the demo gateway's log: what `swarm witness cosign` does, in process. */
export interface DemoWitness {
  /** Its note verifier key (`name+id+base64`), what a witness policy lists. */
  readonly verifierKey: string;
  /** The log it follows. */
  readonly origin: string;
  /**
   * Fetches the gateway's latest checkpoint and cosigns it once it verified under the pinned log key and extends
   * (consistency proof) the last checkpoint this witness cosigned; a fork or a rollback is refused.
   */
  cosignLatest(): Promise<CosignResult>;
}

/**
 * A witness with a key generated for this demo (never written anywhere), pinning the gateway's log by its
 * checkpoint key and origin, its state (the last checkpoint cosigned) in `stateDir`.
 */
export function startDemoWitness(options: {
  gatewayUrl: string;
  logKey: KeyObject;
  origin: string;
  stateDir: string;
  clock: Clock;
}): DemoWitness {
  const key = generateWitnessKey(DEMO_WITNESS_NAME);
  const state = fileWitnessState(options.stateDir);
  const witness: Witness = {
    name: key.name,
    privateKey: key.privateKey,
    log: ed25519NoteVerifier(options.origin, options.logKey),
    origin: options.origin,
    state,
    clock: options.clock,
  };
  const feed = { baseUrl: options.gatewayUrl, fetch };
  return {
    verifierKey: key.verifierKey,
    origin: options.origin,
    async cosignLatest() {
      const request = await fetchCosignRequest(feed, options.origin, state);
      return cosignCheckpoint(witness, request);
    },
  };
}
