/**
 * @module lib/breather
 * Lets the event loop turn during a long run of microtasks. A chain of async steps whose awaits
 * all resolve at once (the alert engine's evaluations: no I/O) runs without giving the event loop
 * a turn, however long the chain: a backlog of 24 s of evaluations after a saturating burst held
 * the main thread 8–17 s in one piece (MQTT keepalives, PUBACKs and the live stream waited).
 * `breathe()` returns a promise that resolves on the next macrotask (setImmediate) once `everyMs`
 * have passed since the last one it gave, else undefined (no await: no cost on the hot path).
 *
 * @example
 *   const breathe = createBreather(20);
 *   for (const station of stations) {
 *     const turn = breathe(); // undefined most of the time: awaited only when it is a promise
 *     if (turn) await turn;
 *     await evaluate(station);
 *   }
 */
export type Breather = () => Promise<void> | undefined;

export function createBreather(everyMs: number, now: () => number = () => performance.now()): Breather {
  let last = now();
  return () => {
    if (now() - last < everyMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        last = now();
        resolve();
      }),
    );
  };
}
