/*
 * The lexical grammar of the capsule's string fields and of egress requests, as pure predicates shared by the
 * schema (what a capsule may say) and the egress check (what a request must look like to be matched at all).
 * Every grammar is ASCII-only and has one spelling per meaning, so that byte comparison is meaning comparison:
 * that is what keeps a deny rule from being bypassed by a second spelling of the same host or path.
 */

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
/** The last label starts with a letter: this excludes IPv4 literals, which v1 does not support. */
const TOP_LABEL = "[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^(?:${LABEL}\\.)*${TOP_LABEL}$`);
const MAX_DNS_NAME = 253;

/** Whether `s` is a lowercase DNS name: LDH labels of 1–63 characters, ≤ 253 in all, no trailing dot. */
export function isDnsName(s: string): boolean {
  return s.length <= MAX_DNS_NAME && DNS_NAME.test(s);
}

/** Whether `s` is an egress host pattern: a lowercase DNS name, or `*.` followed by one. */
export function isHostPattern(s: string): boolean {
  return isDnsName(s.startsWith("*.") ? s.slice(2) : s);
}

/** Whether `s` is a positive decimal integer string without leading zeros. */
export function isPositiveDecimal(s: string): boolean {
  return /^[1-9][0-9]*$/.test(s);
}

/** Whether `s` is a port as the capsule spells it: decimal, no leading zero, 1–65535. */
export function isPortString(s: string): boolean {
  return /^[1-9][0-9]{0,4}$/.test(s) && Number(s) <= 65_535;
}

/** Whether `s` is an uppercase HTTP method token (GET, POST, VERSION-CONTROL, …), at most 32 characters. */
export function isMethodToken(s: string): boolean {
  return s.length <= 32 && /^[A-Z]+(?:-[A-Z]+)*$/.test(s);
}

/**
 * One path character in normalized form: RFC 3986 `pchar` without `;` (path parameters, which some servers
 * strip before routing) and with a percent-encoding allowed only, in uppercase hex, for a byte that cannot
 * appear raw: space " < > [ ] ^ ` { | } and non-ASCII. So `%2E`, `%2F`, `%5C`, `%25`, `%00` and an encoded
 * letter are all refused, and a path has a single spelling.
 */
const PATH_CHAR = "(?:[A-Za-z0-9\\-._~!$&'()*+,=:@]|%(?:2[02]|3[CE]|5[BDE]|60|7[BCD]|[89A-F][0-9A-F]))";
const NORMALIZED_PATH = new RegExp(`^(?=/)(?:/${PATH_CHAR}+)*/?$`);
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Whether `s` is an absolute path in normalized form: starts with `/`, no empty segment except a final one,
 * no `.` or `..` segment, no backslash, and only the characters and encodings PATH_CHAR allows.
 */
export function isNormalizedPath(s: string): boolean {
  return NORMALIZED_PATH.test(s) && !DOT_SEGMENT.test(s);
}

/** Whether `s` is a query string (without its `?`): printable ASCII URI characters and well-formed escapes. */
export function isQuery(s: string): boolean {
  return /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/.test(s);
}

const ISSUER_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** Loopback hosts, the only ones an `http://` issuer may name: a development issuer on the same machine. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost"]);

/**
 * Whether `s` is an OIDC issuer: `https://<dns name>[:port][/segment…]`, no trailing slash, query or fragment.
 * `http://` is accepted only for a loopback host (127.0.0.1 or localhost), where a development issuer runs; a
 * production gateway names GitHub's https issuer, so such a capsule can never match its tokens.
 */
export function isIssuer(s: string): boolean {
  const m = /^(https?):\/\/([^/:]+)(?::([^/]+))?((?:\/[^/]*)*)$/.exec(s);
  if (m === null) return false;
  const [, scheme, host, port, path] = m;
  if (scheme === "http" && !LOOPBACK_HOSTS.has(host!)) return false;
  if (scheme === "https" && !isDnsName(host!)) return false;
  if (port !== undefined && !isPortString(port)) return false;
  const segments = path!.split("/").slice(1);
  return segments.every((seg) => ISSUER_SEGMENT.test(seg) && seg !== "." && seg !== "..");
}

/** The audience grammar, exactly: `swarm:<chainId>:0x<market>:0x<gateway>` in lowercase hex. */
export const AUDIENCE = /^swarm:[1-9][0-9]*:0x[0-9a-f]{40}:0x[0-9a-f]{40}$/;

/** GitHub owner (1–39 alphanumerics and hyphens, not leading) `/` repository name (1–100 of `A-Za-z0-9._-`). */
const REPOSITORY = "[A-Za-z0-9][A-Za-z0-9-]{0,38}/(?!\\.\\.?(?:/|$))[A-Za-z0-9._-]{1,100}";

/** Whether `s` is a GitHub repository `owner/name`. */
export function isRepository(s: string): boolean {
  return new RegExp(`^${REPOSITORY}$`).test(s);
}

/** Whether `s` is a workflow path `<owner/name>/.github/workflows/<file>.yml|.yaml`, with no `@ref`. */
export function isJobWorkflowRef(s: string): boolean {
  return new RegExp(`^${REPOSITORY}/\\.github/workflows/[A-Za-z0-9._-]+\\.ya?ml$`).test(s);
}

/**
 * Whether `s` is a fully qualified git ref, matched exactly: `refs/` then `/`-separated components of
 * `A-Za-z0-9._+-`, none empty, none starting with `.` or ending with `.lock`, no `..` (git check-ref-format,
 * narrowed to ASCII). Glob characters are outside the grammar.
 */
export function isGitRef(s: string): boolean {
  if (!/^refs\/[A-Za-z0-9._+/-]+$/.test(s) || s.includes("..") || s.length > 255) return false;
  return s
    .split("/")
    .every((part) => part.length > 0 && !part.startsWith(".") && !part.endsWith(".lock") && !part.endsWith("."));
}

/** Whether `s` is a GitHub event name (`push`, `workflow_dispatch`, …): lowercase letters and underscores. */
export function isEventName(s: string): boolean {
  return s.length <= 64 && /^[a-z]+(?:_[a-z]+)*$/.test(s);
}
