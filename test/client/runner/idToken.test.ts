import { expect } from "chai";
import { decodeJwt } from "jose";

import { isProtocolError } from "../../../client/src/protocol/errors";
import { OidcRequestError, RunnerErrorCode } from "../../../client/src/runner/errors";
import { getIdToken, idTokenSourceFromEnv } from "../../../client/src/runner/idToken";
import { runIdentityFromToken } from "../../../client/src/runner/runIdentity";
import { type DevOidcIssuer, startDevOidcIssuer } from "../../../devnet/oidc";

const AUDIENCE = "swarm:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3:0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const COMMIT = "30bace97d4fbcd657d31d2de06068ab14b491473";

async function expectCode(action: () => unknown, code: string): Promise<unknown> {
  let failure: unknown;
  try {
    await action();
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) expect.fail(`expected ${code}, but nothing was thrown`);
  if (!isProtocolError(failure)) throw failure;
  expect(failure.code, failure.message).to.equal(code);
  return failure;
}

/** Test double: a fetch that records each request and answers with `answer`. */
function recordingFetch(answer: () => Response) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchDouble = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return answer();
  }) as typeof fetch;
  return { calls, fetch: fetchDouble };
}

describe("runner: the OIDC token, as GitHub's runner protocol gives it", () => {
  let issuer: DevOidcIssuer;

  before(async () => {
    issuer = await startDevOidcIssuer({});
  });

  after(async () => {
    await issuer?.stop();
  });

  it("gets a token for the audience from the development issuer, and a fresh one every call", async () => {
    const run = issuer.registerRun({ jobWorkflowSha: COMMIT, sha: COMMIT });
    const source = idTokenSourceFromEnv(
      { ACTIONS_ID_TOKEN_REQUEST_URL: run.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: run.requestToken },
      { audience: AUDIENCE, fetch },
    );
    const [a, b] = [await source(), await source()];
    expect(decodeJwt(a).aud).to.equal(AUDIENCE);
    expect(decodeJwt(a).jti).to.not.equal(decodeJwt(b).jti);
    expect(runIdentityFromToken(a)).to.deep.equal({
      repository: "octo-org/octo-repo",
      repositoryId: "632596897",
      runId: 27476101517n,
      runAttempt: 1,
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml@refs/heads/main",
      jobWorkflowSha: `0x${COMMIT}`,
      sha: `0x${COMMIT}`,
    });
  });

  it("appends &audience=<urlencoded> to the request URL and sends the request token as a bearer", async () => {
    const { calls, fetch: f } = recordingFetch(() => Response.json({ count: 5, value: "a.b.c" }));
    const token = await getIdToken({
      requestUrl: "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
      requestToken: "request-token",
      audience: "swarm:1:0x01 &x",
      fetch: f,
    });
    expect(token).to.equal("a.b.c");
    expect(calls).to.have.length(1);
    expect(calls[0]!.url).to.equal(
      "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=swarm%3A1%3A0x01%20%26x",
    );
    expect(new Headers(calls[0]!.init?.headers).get("authorization")).to.equal("Bearer request-token");
    expect(calls[0]!.init?.method).to.equal("GET");
  });

  it("refuses to start without the job's id-token permission (no request variables)", async () => {
    await expectCode(() => idTokenSourceFromEnv({}, { audience: AUDIENCE, fetch }), RunnerErrorCode.OIDC_ENV_MISSING);
    await expectCode(
      () => idTokenSourceFromEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: "https://x/t?a=1" }, { audience: AUDIENCE, fetch }),
      RunnerErrorCode.OIDC_ENV_MISSING,
    );
  });

  it("never sends the request token over plain http to a remote host, or to a URL without its query", async () => {
    const { calls, fetch: f } = recordingFetch(() => Response.json({ value: "a.b.c" }));
    for (const requestUrl of ["http://example.com/t?api-version=2.0", "https://example.com/t", "not a url"]) {
      await expectCode(
        () => getIdToken({ requestUrl, requestToken: "secret", audience: AUDIENCE, fetch: f }),
        RunnerErrorCode.OIDC_ENV_INVALID,
      );
    }
    expect(calls).to.have.length(0);
  });

  it("reports a refused or unreachable endpoint with its status and never the tokens", async () => {
    const run = issuer.registerRun({});
    const refused = (await expectCode(
      () => getIdToken({ requestUrl: run.requestUrl, requestToken: "wrong", audience: AUDIENCE, fetch }),
      RunnerErrorCode.OIDC_REQUEST_FAILED,
    )) as OidcRequestError;
    expect(refused.status).to.equal(401);
    expect(refused.message).to.not.include("wrong");
    const down = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const unreachable = (await expectCode(
      () => getIdToken({ requestUrl: run.requestUrl, requestToken: run.requestToken, audience: AUDIENCE, fetch: down }),
      RunnerErrorCode.OIDC_REQUEST_FAILED,
    )) as OidcRequestError;
    expect(unreachable.status).to.equal(0);
    expect(unreachable.message).to.not.include(run.requestToken);
  });

  it("refuses an answer without a JWT in `value`", async () => {
    for (const body of [{}, { value: 5 }, { value: "not a jwt" }, [1]]) {
      const { fetch: f } = recordingFetch(() => Response.json(body));
      await expectCode(
        () =>
          getIdToken({ requestUrl: "https://x/t?api-version=2.0", requestToken: "t", audience: AUDIENCE, fetch: f }),
        RunnerErrorCode.OIDC_ANSWER_INVALID,
      );
    }
  });

  it("refuses a token without the run claims the certificate records", async () => {
    const token = issuer.mint({ run_id: undefined });
    await expectCode(() => runIdentityFromToken(token), RunnerErrorCode.RUN_CLAIMS_INVALID);
    await expectCode(() => runIdentityFromToken(issuer.mint({ sha: "XYZ" })), RunnerErrorCode.RUN_CLAIMS_INVALID);
  });
});
