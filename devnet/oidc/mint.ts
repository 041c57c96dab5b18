import type { KeyObject } from "node:crypto";
import type { SigningKey } from "./keys";
import type { GitHubRunContext } from "./runContext";
import { signCompactJws } from "./signJwt";

/** How `mint` signs: by default exactly as the issuer does (RS256, current key, `typ` and `kid`). */
export interface MintOptions {
  /** The header's kid; when it names one of the issuer's keys, that key signs. Default: the current key. */
  kid?: string;
  /** The header's alg and the algorithm used: RS*, PS*, ES*, HS*, EdDSA or `none`. Default RS256. */
  alg?: string;
  /** Header parameters merged last; an `undefined` value removes one (e.g. `{ kid: undefined }`). */
  header?: Record<string, unknown>;
  /** HS*: the HMAC secret. Default: the current key's public PEM, the classic key-confusion forgery. */
  hmacSecret?: Uint8Array | string;
  /** RS*, PS*, ES*, EdDSA: sign with this key instead (an attacker's). */
  signingKey?: KeyObject;
  /** The run the base claims describe (over the issuer's default context). */
  context?: Partial<GitHubRunContext>;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** Signs `claims` with the issuer's keys as `options` say; `keys` is the issuer's key list, current last. */
export function mintToken(claims: Record<string, unknown>, options: MintOptions, keys: readonly SigningKey[]): string {
  const current = keys[keys.length - 1]!;
  const alg = options.alg ?? "RS256";
  const kid = options.kid ?? current.kid;
  const named = keys.find((k) => k.kid === kid) ?? current;
  const header = withoutUndefined({ typ: "JWT", alg, kid, ...options.header });
  const isRsa = /^(RS|PS)/i.test(alg);
  return signCompactJws(header, withoutUndefined(claims), {
    ...(options.signingKey !== undefined
      ? { privateKey: options.signingKey }
      : isRsa
        ? { privateKey: named.privateKey }
        : {}),
    secret: options.hmacSecret ?? named.publicKey.export({ type: "spki", format: "pem" }),
  });
}
