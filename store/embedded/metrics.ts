/**
 * @module store/embedded/metrics
 * The embedded database's memory on /metrics: its worker thread's WebAssembly memory (PGlite's
 * PostgreSQL; a WebAssembly memory never shrinks, so this is its high-water mark) and the thread's
 * V8 heap. The process's own `nodejs_heap_*` gauges are the main thread's alone, and the process's
 * resident memory holds both: without these a rise of it could not be placed (bench/soak.ts).
 * Read at each scrape. A worker that is restarting, or busy with one statement past
 * MEMORY_TIMEOUT_MS, leaves the gauge without values for that scrape rather than holding it.
 */
import { Gauge } from 'prom-client';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { EmbeddedDatabase, EmbeddedMemory } from './index.js';

/** How long a scrape waits for the worker (it answers between statements). */
export const MEMORY_TIMEOUT_MS = 1_000;

export function registerEmbeddedMemoryMetrics(metrics: Metrics, embedded: EmbeddedDatabase, log: Logger): void {
  new Gauge({
    name: 'quantrac_embedded_db_memory_bytes',
    help: "The embedded database's worker thread: wasm = PGlite's WebAssembly memory (its high-water mark), heap_used / heap_total / external = the thread's V8 heap",
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), MEMORY_TIMEOUT_MS);
      });
      const m: EmbeddedMemory | undefined = await Promise.race([
        embedded.memory().catch((err: unknown) => {
          // the worker restarting (its restart is logged at warn by store/embedded): no values this scrape
          log.debug({ err }, 'embedded database memory not read for /metrics');
          return undefined;
        }),
        late,
      ]);
      clearTimeout(timer);
      if (!m) return;
      this.set({ kind: 'wasm' }, m.wasmBytes);
      this.set({ kind: 'heap_used' }, m.heapUsedBytes);
      this.set({ kind: 'heap_total' }, m.heapTotalBytes);
      this.set({ kind: 'external' }, m.externalBytes);
    },
  });
}
