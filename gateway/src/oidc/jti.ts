import { type Clock, epochSeconds } from "../../../client/src/protocol/clock";
import type { GitHubClaims } from "./claims";
import { oidcError } from "./codes";
import { MAX_LEEWAY_SECONDS } from "./verifyToken";

/**
 * Remembers token ids until their tokens can no longer be accepted. Shared by every gateway process that
 * serves one gateway address (a network store when there are several; `MemoryJtiStore` while there is one).
 */
export interface JtiStore {
  /** Records `jti` until `expiresAtSeconds`; false when it was already recorded and has not expired. */
  claim(jti: string, expiresAtSeconds: number): boolean | Promise<boolean>;
}

/** Options of the in-process store. */
export interface MemoryJtiStoreOptions {
  clock: Clock;
  /** Unexpired entries the store holds at most; beyond that it refuses (`JTI_STORE_FULL` 503). Default 100,000. */
  maxEntries?: number;
  /** Expired entries are swept at most this often, and whenever the store is full. Default 60. */
  sweepIntervalSeconds?: number;
}

/**
 * The in-process jti store: a map from jti to expiry, bounded. When full it first forgets expired entries;
 * if every entry is still live it refuses new ones instead of evicting any, since forgetting a live jti
 * would let that token be replayed.
 */
export class MemoryJtiStore implements JtiStore {
  private readonly _expiries = new Map<string, number>();
  private readonly _clock: Clock;
  private readonly _maxEntries: number;
  private readonly _sweepInterval: number;
  private _nextSweepAt = -Infinity;

  constructor(options: MemoryJtiStoreOptions) {
    this._clock = options.clock;
    this._maxEntries = options.maxEntries ?? 100_000;
    this._sweepInterval = options.sweepIntervalSeconds ?? 60;
    if (!Number.isInteger(this._maxEntries) || this._maxEntries < 1) {
      throw oidcError("OIDC_CONFIG_INVALID", `expected maxEntries ≥ 1, got ${this._maxEntries}`);
    }
  }

  /** Number of entries held, expired or not (for metrics and tests). */
  get size(): number {
    return this._expiries.size;
  }

  /** Records `jti` until `expiresAtSeconds`; false when it is already recorded and unexpired. */
  claim(jti: string, expiresAtSeconds: number): boolean {
    const now = epochSeconds(this._clock);
    const known = this._expiries.get(jti);
    if (known !== undefined && known > now) return false;
    if (expiresAtSeconds <= now) return true;
    if (now >= this._nextSweepAt || this._expiries.size >= this._maxEntries) this._sweep(now);
    if (known === undefined && this._expiries.size >= this._maxEntries) {
      throw oidcError("JTI_STORE_FULL", `the jti store holds ${this._maxEntries} live entries`);
    }
    this._expiries.set(jti, expiresAtSeconds);
    return true;
  }

  private _sweep(now: number): void {
    for (const [jti, expiresAt] of this._expiries) if (expiresAt <= now) this._expiries.delete(jti);
    this._nextSweepAt = now + this._sweepInterval;
  }
}

/**
 * Refuses a token whose jti was already used while still acceptable (`TOKEN_REPLAYED` 401). The jti is kept
 * until exp plus the largest leeway, the last moment any gateway configuration could accept the token.
 */
export async function verifyFreshJti(claims: Pick<GitHubClaims, "jti" | "exp">, store: JtiStore): Promise<void> {
  const fresh = await store.claim(claims.jti, claims.exp + MAX_LEEWAY_SECONDS);
  if (!fresh) throw oidcError("TOKEN_REPLAYED", "this token's jti was already used");
}
