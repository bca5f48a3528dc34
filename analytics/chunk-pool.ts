/**
 * @module analytics/chunk-pool
 * The buffers the analyst API's large answers are written into (analytics/json-bytes.ts), used
 * again once an answer has been sent to its last byte. 24,000 hourly buckets are 7.4 MB: written
 * into new buffers each time, the buffers still being sent when a scavenge comes are promoted, V8
 * counts them as old external memory, and that starts a full collection of the main thread's heap
 * every seventh answer or so (13 of the 14 full collections over 100 hourly answers asked new over
 * HTTP were started by "external memory pressure", against none when the same answers were only
 * computed: `node --trace-incremental-marking`, 2026-12-06). Each one cost the thread 14–44 ms (a
 * pause of 6–17 ms and the marking before it), which is what the slowest answers in twenty were
 * made of. Used again, the buffers are not new memory to V8.
 *
 * A buffer goes back only when nothing refers to it any more: the HTTP answer it was sent in has
 * finished (its bytes handed to the kernel), and the answer is not kept in the answer cache
 * (analytics/series.ts decides). An answer cut short leaves its buffers to the garbage collector.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  /** `chunkBytes`: the size of every buffer; `maxFree`: at most this many are kept between answers. */
  constructor(
    readonly chunkBytes: number,
    private readonly maxFree: number,
  ) {}

  /** A buffer of `chunkBytes`, its own memory (never a slice of Node's shared pool), holding whatever it held: write before reading. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  /** Buffers taken from this pool that nothing refers to any more. */
  give(buffers: readonly Buffer[]): void {
    for (const b of buffers) {
      if (this.free.length >= this.maxFree) return;
      if (b.length === this.chunkBytes && !this.free.includes(b)) this.free.push(b);
    }
  }

  /** Buffers kept for the next answers. */
  get size(): number {
    return this.free.length;
  }
}
