import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";

import { parseNote, verifyWitnessQuorum, witnessVerifierFromKey } from "../../../client/src/protocol/transparency";
import { runInProcess } from "../cli/runtime";
import { LogDouble } from "./logDouble";

const ORIGIN =
  "swarm-gateway/31337/0x00000000000000000000000000000000000000a1/0x00000000000000000000000000000000000000b2";
const LOG_KEY = generateKeyPairSync("ed25519");

describe("swarm witness (CLI)", function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "swarm-witness-cli-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("makes a key (0600, never overwritten), cosigns twice as the log grows, then refuses a fork with exit 1", async function () {
    const keygen = await runInProcess(
      ["witness", "keygen", "--name", "witness.example.org/w1", "--out", "w.key", "--json"],
      { cwd: dir },
    );
    expect(keygen.code, keygen.stderr).to.equal(0);
    const { verifierKey } = JSON.parse(keygen.stdout) as { verifierKey: string };
    expect((await stat(path.join(dir, "w.key"))).mode & 0o777).to.equal(0o600);
    const again = await runInProcess(["witness", "keygen", "--name", "w", "--out", "w.key"], { cwd: dir });
    expect(again.code).to.equal(3);

    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(3);
    const cosign = (l: LogDouble) =>
      runInProcess(
        [
          "witness",
          "cosign",
          "--gateway-url",
          "http://127.0.0.1:9/",
          "--key-file",
          "w.key",
          "--state",
          "state",
          "--json",
          "--out",
          "cosigned.txt",
        ],
        { cwd: dir, fetch: l.fetch(), env: { SWARM_WITNESS_LOG_KEY: log.verifierKey } },
      );
    const first = await cosign(log);
    expect(first.code, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout)).to.include({ treeSize: "3", firstSeen: true, previousTreeSize: null });
    log.grow(10);
    const second = await cosign(log);
    expect(second.code, second.stderr).to.equal(0);
    expect(JSON.parse(second.stdout)).to.include({ treeSize: "13", previousTreeSize: "3" });
    const note = parseNote(await readFile(path.join(dir, "cosigned.txt"), "utf8"));
    const policy = { origin: ORIGIN, witnesses: [witnessVerifierFromKey(verifierKey)], threshold: 1 };
    expect(verifyWitnessQuorum(note.text, note.signatures, policy).cosignatures).to.have.length(1);

    const fork = new LogDouble(ORIGIN, LOG_KEY.privateKey).grow(13, "forged");
    const refused = await cosign(fork);
    expect(refused.code).to.equal(1);
    expect((JSON.parse(refused.stdout) as { error: { code: string } }).error.code).to.equal("WITNESS_FORK_DETECTED");
    expect(refused.stderr).to.match(/^error WITNESS_FORK_DETECTED: /m);
  });

  it("stops with exit 3 and names the setting when the log key is missing", async function () {
    const run = await runInProcess(["witness", "cosign", "--gateway-url", "http://127.0.0.1:9/", "--state", "s"], {
      cwd: dir,
    });
    expect(run.code).to.equal(3);
    expect(run.stderr).to.match(/SWARM_WITNESS_LOG_KEY/);
  });

  it("answers exit 5 when the gateway is unreachable", async function () {
    await runInProcess(["witness", "keygen", "--name", "w.example/w", "--out", "w.key"], { cwd: dir });
    const log = new LogDouble(ORIGIN, LOG_KEY.privateKey);
    const run = await runInProcess(
      [
        "witness",
        "cosign",
        "--gateway-url",
        "http://127.0.0.1:9/",
        "--key-file",
        "w.key",
        "--state",
        "s",
        "--log-key",
        log.verifierKey,
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).to.equal(5);
    expect(run.stderr).to.match(/^error WITNESS_FETCH_FAILED: /m);
  });
});
