/**
 * @module ingest/storage-metrics
 * Prometheus metrics of the spool, backpressure and conflicts, registered on the app's registry.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Metrics } from '../lib/metrics.js';

export function createStorageMetrics(metrics: Metrics, read: () => { degraded: boolean; spoolBytes: number; queuedRows: number; blockedWrites: number }) {
  const registers = [metrics.registry];
  new Gauge({
    name: 'quantrac_storage_degraded',
    help: '1 while the database is unreachable or acknowledged readings wait in the spool',
    registers,
    collect() {
      this.set(read().degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'quantrac_spool_bytes',
    help: 'Bytes of acknowledged readings waiting in the local spool for the database',
    registers,
    collect() {
      this.set(read().spoolBytes);
    },
  });
  new Gauge({
    name: 'quantrac_ingest_queued_rows',
    help: 'Rows queued for the next group commit',
    registers,
    collect() {
      this.set(read().queuedRows);
    },
  });
  new Gauge({
    name: 'quantrac_ingest_blocked_writes',
    help: 'Publishes waiting for room in the ingest queue (backpressure)',
    registers,
    collect() {
      this.set(read().blockedWrites);
    },
  });
  return {
    spooledRows: new Counter({ name: 'quantrac_spool_rows_total', help: 'Readings written to the local spool (acknowledged while the database was unreachable)', registers }),
    replayedRows: new Counter({ name: 'quantrac_spool_replayed_rows_total', help: 'Spooled readings replayed into the database', registers }),
    spoolWait: new Histogram({
      name: 'quantrac_spool_wait_seconds',
      help: 'How long acknowledged readings waited in the local spool before they were stored (deferred behind a long statement, or an outage), per spool record',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 1800],
      registers,
    }),
    deferredRows: new Counter({
      name: 'quantrac_ingest_deferred_rows_total',
      help: 'Readings acknowledged from the local spool because a job, export or query held the database connection when they were due (replayed once it ended)',
      registers,
    }),
    conflicts: new Counter({
      name: 'quantrac_reading_conflicts_total',
      help: 'Readings refused because another value is stored for the same station, metric and time (first write wins)',
      registers,
    }),
  };
}
