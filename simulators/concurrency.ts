/**
 * @module simulators/concurrency
 * Runs async work over a list with at most `limit` tasks in flight (fleet connects, registrations).
 */

export interface Settled<T, R> {
  item: T;
  result: { ok: true; value: R } | { ok: false; error: unknown };
}

/** Maps `items` through `task` with bounded concurrency; never rejects, returns every outcome in input order. */
export async function mapSettled<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<Array<Settled<T, R>>> {
  const out = new Array<Settled<T, R>>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        out[index] = { item, result: { ok: true, value: await task(item, index) } };
      } catch (error) {
        out[index] = { item, result: { ok: false, error } };
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  return out;
}
