/**
 * The load driver of `npm run bench:gateway`: a process of its own (forked with an IPC channel), so the load it
 * generates is not counted in the gateway's CPU or RSS. Each runner sends its releases one after another, the
 * next only once the previous was released, so step k+1 of an entitlement is asked for only after step k was
 * consumed. Every answer is checked for its shape; every n-th (marked in the work file) is decrypted with the
 * runner's worker key and checked against the permit.
 */
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Agent } from "node:http";

import { type Answer, failureOf, releaseWithRetries, verifySample } from "./benchGatewayClient";
import type { DriverMessage, DriverResult, DriverStart, RunnerWork } from "./benchGatewayProtocol";
import { percentile } from "./benchGatewayStats";

function send(message: DriverMessage): void {
  process.send?.(message);
}

/** Counts by code, keeping the first few distinct messages. */
class Tally {
  readonly counts: Record<string, number> = {};
  readonly messages = new Set<string>();
  total = 0;

  add(code: string, message: string): void {
    this.total++;
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.messages.size < 8) this.messages.add(message.slice(0, 300));
  }
}

async function drive(start: DriverStart): Promise<DriverResult> {
  const lines = (await readFile(start.workFile, "utf8")).split("\n").filter((l) => l.length > 0);
  const runners = lines.map((l) => JSON.parse(l) as RunnerWork);
  send({ type: "ready", runners: runners.length, items: runners.reduce((n, r) => n + r.items.length, 0) });

  const url = new URL("/v1/caps", start.url);
  const agent = new Agent({ keepAlive: true, maxSockets: runners.length });
  const failures = new Tally();
  const retries = new Tally();
  const inWindow: number[] = [];
  let completed = 0;
  let released = 0;
  let redeliveries = 0;
  /** Consume transactions seen in answers: releases per transaction is the batch size the gateway achieved. */
  const transactions = new Set<string>();
  let samplesDecrypted = 0;
  let warmAt = Number.NaN;
  let endAt = Number.NaN;
  const cpu = process.cpuUsage();
  const progress = setInterval(() => send({ type: "progress", completed, failed: failures.total }), 1_000);

  /** Counts a finished release (released or refused for good) and marks the window's edges. */
  const finish = (t0: number) => {
    const t1 = performance.now();
    completed++;
    if (completed > start.warmup && completed <= start.warmup + start.measured) inWindow.push(t1 - t0);
    if (completed === start.warmup) {
      warmAt = t1;
      send({ type: "warm" });
    }
    if (completed === start.warmup + start.measured) {
      endAt = t1;
      send({ type: "measured" });
    }
  };

  const runOne = async (work: RunnerWork) => {
    const key = createPrivateKey(work.workerKeyPem);
    const spares = [...work.spareTokens];
    for (const item of work.items) {
      const t0 = performance.now();
      let result: { answer: Answer; retried: string[] };
      try {
        result = await releaseWithRetries(agent, url, item, spares);
      } catch (err) {
        const code = `CLIENT_${(err as NodeJS.ErrnoException).code ?? "ERROR"}`;
        return failures.add(code, `${code}: ${(err as Error).message}`);
      }
      finish(t0);
      for (const code of result.retried) retries.add(code, code);
      const failure = failureOf(result.answer, result.retried.length > 0);
      // A runner whose step was refused cannot go on: its next permit would be out of order.
      if (failure !== undefined) return failures.add(failure.code, failure.message);
      released++;
      const body = result.answer.body as { jwe: string; redelivery: boolean; txHash: string };
      if (body.redelivery) redeliveries++;
      transactions.add(body.txHash);
      if (item.expect === undefined) continue;
      try {
        await verifySample(body.jwe, key, item.expect);
        samplesDecrypted++;
      } catch (err) {
        const code = `SAMPLE_${(err as { code?: string }).code ?? "DECRYPT_FAILED"}`;
        failures.add(code, `${code}: ${(err as Error).message}`);
      }
    }
  };
  if (start.warmup === 0) {
    warmAt = performance.now();
    send({ type: "warm" });
  }
  await Promise.all(runners.map(runOne));
  clearInterval(progress);
  agent.destroy();
  const used = process.cpuUsage(cpu);
  return {
    completed,
    released,
    redeliveries,
    consumeTransactions: transactions.size,
    failures: failures.counts,
    failureMessages: [...failures.messages],
    retries: retries.counts,
    windowMs: Number.isFinite(endAt) ? endAt - warmAt : null,
    measuredInWindow: inWindow.length,
    e2eP50Ms: inWindow.length > 0 ? percentile(inWindow, 50) : null,
    e2eP99Ms: inWindow.length > 0 ? percentile(inWindow, 99) : null,
    samplesDecrypted,
    driverCpuMs: (used.user + used.system) / 1000,
  };
}

process.once("message", (message: DriverStart) => {
  drive(message)
    .then((result) => send({ type: "done", result }))
    .catch((err: unknown) => send({ type: "error", message: err instanceof Error ? err.message : String(err) }))
    .finally(() => process.disconnect?.());
});
