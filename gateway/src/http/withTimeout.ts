import { httpError } from "./codes";

/**
 * `work`, or 503 `TIMEOUT` once `ms` pass first. The work is not cancelled (a service call may be mid-way
 * through a transaction): its late result or failure is dropped, and `onLate` hears of a late failure.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onLate: (err: unknown) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(httpError("TIMEOUT", `expected an answer within ${ms} ms`));
    }, ms);
  });
  work.catch((err: unknown) => {
    if (timedOut) onLate(err);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
