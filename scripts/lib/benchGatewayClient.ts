import type { KeyObject } from "node:crypto";
import { type Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import { decryptCaps } from "../../client/src/protocol/caps";
import { systemClock } from "../../client/src/protocol/clock";
import type { WorkItem } from "./benchGatewayProtocol";

/** An HTTP answer with its JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** A release that did not happen, or an answer that was not a well-formed release. */
export interface Failure {
  code: string;
  message: string;
}

/** How often a runner asks again after a 503 (the gateway released nothing), each time with a fresh token. */
export const MAX_RETRIES = 5;
const RETRY_BACKOFF_MS = 50;

/** POSTs JSON over a kept-alive connection and parses the JSON answer. */
export function postJson(agent: Agent, url: URL, token: string, body: unknown): Promise<Answer> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": payload.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * The failure of an answer, or undefined for a well-formed release: 200 with a JWE, the consuming transaction
 * and a receipt seq. A re-delivery is well-formed only after a retry (the first attempt may have been consumed
 * on-chain before the gateway answered 503).
 */
export function failureOf(answer: Answer, retried: boolean): Failure | undefined {
  const body = answer.body as Record<string, unknown> | null;
  if (answer.status !== 200) {
    const error = body?.error as { code?: unknown; message?: unknown } | undefined;
    const code = typeof error?.code === "string" ? error.code : `HTTP_${answer.status}`;
    return { code, message: `${code}: ${typeof error?.message === "string" ? error.message : answer.status}` };
  }
  const ok =
    typeof body?.jwe === "string" &&
    typeof body.txHash === "string" &&
    /^0x[0-9a-f]{64}$/.test(body.txHash) &&
    typeof body.receiptSeq === "string" &&
    /^(0|[1-9][0-9]*)$/.test(body.receiptSeq) &&
    (body.redelivery === false || (retried && body.redelivery === true));
  return ok ? undefined : { code: "ANSWER_INVALID", message: "ANSWER_INVALID: expected jwe, txHash, receiptSeq" };
}

/**
 * Sends one release as a runner would: on a 503 it waits a little and asks again with a fresh token from
 * `spareTokens`, at most MAX_RETRIES times. Returns the last answer and the codes of the 503s retried.
 */
export async function releaseWithRetries(
  agent: Agent,
  url: URL,
  item: WorkItem,
  spareTokens: string[],
): Promise<{ answer: Answer; retried: string[] }> {
  const retried: string[] = [];
  let answer = await postJson(agent, url, item.token, item.body);
  while (answer.status === 503 && retried.length < MAX_RETRIES) {
    const token = spareTokens.pop();
    if (token === undefined) break;
    retried.push(failureOf(answer, false)!.code);
    await sleep(RETRY_BACKOFF_MS * retried.length);
    answer = await postJson(agent, url, token, item.body);
  }
  return { answer, retried };
}

/** Decrypts a caps JWE with the runner's worker key and checks it against the permit (throws on any mismatch). */
export async function verifySample(
  jwe: string,
  key: KeyObject,
  expect: NonNullable<WorkItem["expect"]>,
): Promise<void> {
  await decryptCaps(jwe, key, {
    entitlementId: BigInt(expect.entitlementId),
    step: expect.step,
    permitDigest: expect.permitDigest,
    clock: systemClock,
  });
}
