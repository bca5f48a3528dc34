/**
 * @module ingest/storage-metrics
 * Prometheus metrics of the spool, backpressure and conflicts, registered on the app's registry.
 */
import { Counter, Gauge } from 'prom-client';
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
    conflicts: new Counter({
      name: 'quantrac_reading_conflicts_total',
      help: 'Readings refused because another value is stored for the same station, metric and time (first write wins)',
      registers,
    }),
  };
}
