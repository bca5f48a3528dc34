/**
 * @module store/gate-metrics
 * The database connection on /metrics (store/db-gate.ts): what holds it now and for how long, and
 * how many callers wait for it per lane. A statement that holds the one connection for minutes (a
 * query stuck on a dropped network, a job that cannot be cut) holds every read behind it; these
 * gauges name it while it runs, where the per-lane statistics only tell once it has ended.
 */
import { Gauge } from 'prom-client';
import type { Metrics } from '../lib/metrics.js';
import { LANES, type DbGate } from './db-gate.js';

export function registerGateMetrics(metrics: Metrics, gate: DbGate): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'quantrac_db_connection_held_seconds',
    help: 'How long the oldest statement (or transaction) running now has held its database connection, with its lane and label; no sample while every connection is free',
    labelNames: ['lane', 'label'] as const,
    registers,
    collect() {
      this.reset();
      const h = gate.holder();
      if (h) this.set({ lane: h.lane, label: h.label }, h.ms / 1000);
    },
  });
  new Gauge({
    name: 'quantrac_db_connection_waiting',
    help: 'Callers waiting for a database connection, per lane (ingest, interactive, background)',
    labelNames: ['lane'] as const,
    registers,
    collect() {
      for (const lane of LANES) this.set({ lane }, gate.waiting(lane));
    },
  });
}
