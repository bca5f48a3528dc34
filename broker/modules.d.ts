// aedes-persistence types only its callback persistence: the two modules broker/retained-persistence.ts builds on.
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';
  /** Upstream's in-memory persistence, async form (the callback form wraps it). */
  export default class MemoryPersistence {
    constructor(opts?: Record<string, unknown>);
    storeRetained(packet: { topic: string; payload: { length: number } }): Promise<void>;
    createRetainedStreamCombi(patterns: string[]): Readable;
    createRetainedStream(pattern: string): Readable;
  }
}
declare module 'aedes-persistence/callBackPersistence.js' {
  /** What aedes takes as `persistence`: an async persistence behind aedes' callback interface. */
  export class CallBackPersistence {
    constructor(asyncInstanceFactory: (opts: Record<string, unknown>) => object, opts?: Record<string, unknown>);
    destroy(cb?: (err?: Error) => void): void;
  }
}
declare module 'aedes-persistence/abstract.js' {
  import type { test } from 'node:test';
  /** Upstream's conformance suite for a persistence, written for node:test. */
  export default function abstractPersistence(opts: { test: typeof test; persistence: () => unknown; testAsync?: boolean; waitForReady?: boolean }): void;
}
