/** The signing key: only from SWARM_PRIVATE_KEY or a key file, never a flag; never echoed. */
import { readFileSync, statSync } from "node:fs";

import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { PRIVATE_KEY_ENV } from "./config";
import { usageError } from "./errors";

/** A 32-byte hex private key from text (0x optional, surrounding whitespace ignored); never echoes it. */
export function parsePrivateKey(text: string, source: string): `0x${string}` {
  const t = text.trim();
  const hex = t.startsWith("0x") || t.startsWith("0X") ? t.slice(2) : t;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw usageError(
      "KEY_INVALID",
      `${source}: expected a 32-byte hex private key`,
      "one line: 0x followed by 64 hex digits",
    );
  }
  return `0x${hex.toLowerCase()}`;
}

/** Where the key may come from, in order: `--key-file` > SWARM_PRIVATE_KEY > SWARM_KEY_FILE / the config's keyFile. */
export interface KeySources {
  readonly keyFileFlag: string | undefined;
  readonly privateKeyEnv: string | undefined;
  readonly configKeyFile: string | undefined;
  readonly resolvePath: (p: string) => string;
  readonly warn: (line: string) => void;
}

/** The account of the first key source given; KEY_MISSING when there is none. */
export function loadAccount(k: KeySources): LocalAccount {
  if (k.keyFileFlag === undefined && k.privateKeyEnv !== undefined) {
    return privateKeyToAccount(parsePrivateKey(k.privateKeyEnv, PRIVATE_KEY_ENV));
  }
  const keyFile = k.keyFileFlag ?? k.configKeyFile;
  if (keyFile === undefined) {
    throw usageError(
      "KEY_MISSING",
      "this command signs, and no key was given",
      `set ${PRIVATE_KEY_ENV} or pass --key-file FILE (never the key itself on the command line)`,
    );
  }
  const full = k.resolvePath(keyFile);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw usageError("KEY_FILE_UNREADABLE", `cannot read ${keyFile} (${reason})`, "check --key-file / SWARM_KEY_FILE");
  }
  if (process.platform !== "win32" && (statSync(full).mode & 0o077) !== 0) {
    k.warn(`${keyFile} is readable by other users: chmod 600 it`);
  }
  return privateKeyToAccount(parsePrivateKey(text, keyFile));
}
