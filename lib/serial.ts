/**
 * @module lib/serial
 * Runs async jobs one at a time, in call order. Each caller gets its own job's result or error;
 * a failed job does not stop the ones queued after it (its error goes to its caller, not here).
 *
 * @example const serial = createSerial(); await serial(() => appendToFile(batch));
 */
export function createSerial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const job = tail.then(fn);
    // the queue only waits for the job to settle; its outcome belongs to the caller of serial()
    tail = job.then(
      () => undefined,
      () => undefined,
    );
    return job;
  };
}
