import type { KeyObject } from "node:crypto";

import {
  consistencyProof,
  ed25519NoteSigner,
  encodeBase64,
  leafHash,
  noteVerifierKey,
  rootOf,
  signCheckpoint,
} from "../../../client/src/protocol/transparency";

/** A log in memory that signs checkpoints and serves them over an injected fetch, like the gateway's routes. */
export class LogDouble {
  readonly leaves: Uint8Array[] = [];
  constructor(
    readonly origin: string,
    private readonly key: KeyObject,
  ) {}

  /** The verifier key witnesses pin. */
  get verifierKey(): string {
    return noteVerifierKey(this.origin, this.key);
  }

  /** Appends `n` leaves named by `tag`. */
  grow(n: number, tag = "leaf"): this {
    for (let i = 0; i < n; i++) this.leaves.push(leafHash(Buffer.from(`${tag} ${this.leaves.length}`)));
    return this;
  }

  /** The signed checkpoint of the first `size` leaves (default all). */
  checkpoint(size = this.leaves.length): string {
    return signCheckpoint(
      { origin: this.origin, treeSize: size, rootHash: rootOf(this.leaves.slice(0, size)), extensions: [] },
      ed25519NoteSigner(this.origin, this.key),
    );
  }

  /** A fetch answering GET /v1/checkpoint and /v1/proofs/consistency, as the gateway does. */
  fetch(): typeof fetch {
    return async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === "/v1/checkpoint") {
        return new Response(this.checkpoint(), { headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      if (url.pathname === "/v1/proofs/consistency") {
        const [from, to] = [Number(url.searchParams.get("from")), Number(url.searchParams.get("to"))];
        const proof = consistencyProof(this.leaves, from, to).map(encodeBase64);
        return Response.json({ from: String(from), to: String(to), proof });
      }
      return new Response("not found", { status: 404 });
    };
  }
}
