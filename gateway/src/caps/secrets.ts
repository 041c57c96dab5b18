import { GatewayError } from "../errors";
import { MIN_SECRET_LENGTH } from "./derive";

/** One master secret version: in force for entitlements purchased at or after `startBlock`, until the next one. */
export interface MasterSecret {
  /** Version number, carried in every caps JWE header as `kv`: a non-negative safe integer. */
  readonly kv: number;
  /** First purchase block the secret applies to. */
  readonly startBlock: bigint;
  /** At least 32 bytes of key material; never logged. */
  readonly secret: Uint8Array;
}

function invalid(message: string): never {
  throw new GatewayError("CAPS_SECRETS_INVALID", 500, message);
}

/**
 * Validates the configured master secrets: at least one; each kv a non-negative safe integer, each startBlock ≥ 0,
 * each secret ≥ 32 bytes; kv and startBlock unique, and kv strictly increasing with startBlock (a later secret
 * never carries an older version number). Retired secrets stay listed for the entitlements bought under them.
 */
export function validateSecrets(secrets: readonly MasterSecret[]): void {
  if (secrets.length === 0) invalid("expected at least one master secret");
  const byStart = [...secrets].sort((a, b) => (a.startBlock < b.startBlock ? -1 : a.startBlock > b.startBlock ? 1 : 0));
  for (const [i, s] of byStart.entries()) {
    if (!Number.isSafeInteger(s.kv) || s.kv < 0) invalid(`expected kv to be a non-negative integer, got ${s.kv}`);
    if (typeof s.startBlock !== "bigint" || s.startBlock < 0n) invalid(`kv ${s.kv}: expected startBlock ≥ 0`);
    if (!(s.secret instanceof Uint8Array) || s.secret.length < MIN_SECRET_LENGTH) {
      invalid(`kv ${s.kv}: expected a secret of at least ${MIN_SECRET_LENGTH} bytes`);
    }
    const previous = byStart[i - 1];
    if (previous === undefined) continue;
    if (previous.startBlock === s.startBlock) invalid(`kv ${previous.kv} and ${s.kv} start at the same block`);
    if (previous.kv >= s.kv) invalid(`expected kv to increase with startBlock, got ${previous.kv} then ${s.kv}`);
  }
}

/**
 * The master secret in force at an entitlement's purchase block: the one with the greatest startBlock ≤
 * purchaseBlock. None (the purchase predates every configured secret) → `CAPS_NO_SECRET` 503: nothing is released.
 */
export function selectSecret(secrets: readonly MasterSecret[], purchaseBlock: bigint): MasterSecret {
  validateSecrets(secrets);
  if (purchaseBlock < 0n) throw new GatewayError("CAPS_NO_SECRET", 503, `expected a purchase block ≥ 0`);
  let selected: MasterSecret | undefined;
  for (const s of secrets) {
    if (s.startBlock <= purchaseBlock && (selected === undefined || s.startBlock > selected.startBlock)) selected = s;
  }
  if (selected === undefined) {
    throw new GatewayError("CAPS_NO_SECRET", 503, `no master secret starts at or before block ${purchaseBlock}`);
  }
  return selected;
}
