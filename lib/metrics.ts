/**
 * @module lib/metrics
 * Prometheus metrics of one Quantrac instance (a registry per app, so tests can run several).
 */
import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The project's version, read once from package.json (found from the sources and from dist/ alike). */
const PACKAGE_VERSION = readVersion();

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'quantrac' && pkg.version) return pkg.version;
    } catch {
      // not at this level (sources vs dist/): try the next one
    }
  }
  return 'unknown';
}

export function createMetrics() {
  const registry = new Registry();
  // Node's default metrics under their conventional names (process_cpu_seconds_total,
  // nodejs_heap_size_used_bytes, …): stock Node.js dashboards read them as they are.
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'quantrac_build_info',
    help: 'Always 1; the labels tell which build runs (version from package.json, Node.js version)',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
  }).set({ version: PACKAGE_VERSION, node: process.versions.node }, 1);
  const readingsAccepted = new Counter({
    name: 'quantrac_readings_accepted_total',
    help: 'Readings newly committed to the database',
    registers: [registry],
  });
  const readingsDuplicate = new Counter({
    name: 'quantrac_readings_duplicate_total',
    help: 'Readings already stored (QoS 1 redelivery, file sent twice); first write wins',
    registers: [registry],
  });
  const readingsRejected = new Counter({
    name: 'quantrac_readings_rejected_total',
    help: 'Refused payloads or backlog elements, by reason (kept in quarantine)',
    labelNames: ['reason', 'source'] as const,
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'quantrac_ingest_batch_rows',
    help: 'Rows per group-commit INSERT',
    buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 20000],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'quantrac_ingest_commit_seconds',
    help: 'Time to commit one batch',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const writeFailures = new Counter({
    name: 'quantrac_ingest_write_failures_total',
    help: 'Failed batch insert attempts (retried, then the publishers are refused and redeliver)',
    registers: [registry],
  });
  const connectedStations = new Gauge({
    name: 'quantrac_mqtt_connected_stations',
    help: 'Stations connected to the broker now',
    registers: [registry],
  });
  const mqttDenied = new Counter({
    name: 'quantrac_mqtt_denied_total',
    help: 'Refused MQTT actions by kind (connect, publish, subscribe)',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const listenerFailures = new Counter({
    name: 'quantrac_event_listener_failures_total',
    help: 'Event listeners that threw (isolated; ingest continues)',
    labelNames: ['owner', 'event'] as const,
    registers: [registry],
  });
  const eventLoopBlocks = new Counter({
    name: 'quantrac_event_loop_blocks_total',
    help: 'Times the main thread was blocked 1 s or more (lib/loop-watch.ts; each logged at warn level, at most one line a minute)',
    registers: [registry],
  });
  const filesReceived = new Counter({
    name: 'quantrac_files_received_total',
    help: 'Circular 10 files received, by way (ftp, drop) and outcome (accepted, partial, quarantined, repeat, refused)',
    labelNames: ['via', 'outcome'] as const,
    registers: [registry],
  });
  const ftpDenied = new Counter({
    name: 'quantrac_ftp_denied_total',
    help: 'Refused FTP logins and writes (login, write)',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const forwardFiles = new Counter({
    name: 'quantrac_forward_files_total',
    help: 'Circular 10 files forwarded upstream, by target and outcome (queued, sent, failed)',
    labelNames: ['target', 'outcome'] as const,
    registers: [registry],
  });
  const forwardOutbox = new Gauge({
    name: 'quantrac_forward_outbox_files',
    help: 'Files waiting in a target outbox',
    labelNames: ['target'] as const,
    registers: [registry],
  });
  // Database background jobs (store/job-monitor.ts): retention, compression, aggregate refreshes.
  const dbJobFailing = new Gauge({
    name: 'quantrac_db_job_failing',
    help: 'Database background job whose last run failed (1) or not (0), by job (`<proc> <target>`)',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const dbJobLastSuccess = new Gauge({
    name: 'quantrac_db_job_last_success_timestamp_seconds',
    help: 'End of the last successful run of a database background job, Unix seconds',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const dbJobFailures = new Counter({
    name: 'quantrac_db_job_failures_total',
    help: "Failed runs of a database background job (the server scheduler's total, or the embedded runner's since start)",
    labelNames: ['job'] as const,
    registers: [registry],
  });
  // The analyst API's kept answers (analytics/answer-cache.ts).
  const answerCacheLookups = new Counter({
    name: 'quantrac_analytics_answer_cache_lookups_total',
    help: 'Aggregated answers asked again (their stamps read): served as kept (hit), or computed because their rows changed or they were not kept (miss)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const answerCacheBytes = new Gauge({
    name: 'quantrac_analytics_answer_cache_bytes',
    help: 'Memory held by kept aggregated answers (ANALYTICS_CACHE_BYTES bounds it)',
    registers: [registry],
  });
  // HTTP requests (api/plugins/http-metrics.ts), under the conventional name stock dashboards read.
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests answered by the API, by method, route pattern (`unmatched` for unknown routes) and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    registry,
    httpRequestDuration,
    answerCacheLookups,
    answerCacheBytes,
    dbJobFailing,
    dbJobLastSuccess,
    dbJobFailures,
    filesReceived,
    ftpDenied,
    forwardFiles,
    forwardOutbox,
    readingsAccepted,
    readingsDuplicate,
    readingsRejected,
    batchRows,
    commitSeconds,
    writeFailures,
    connectedStations,
    mqttDenied,
    listenerFailures,
    eventLoopBlocks,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
