/**
 * @module ingest
 * Validates each payload against its station's device profile, keeps every refused payload
 * whole in quarantine with its reason, runs the ingest-time checks on the accepted rows (ingest/
 * qc.ts: each row is stored with its `qc` bits, the flags' details recorded after the commit),
 * writes readings by group commit, and emits what was committed on the event bus. A returned
 * promise settles only when its outcome is durable: rows committed and/or the payload quarantined.
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { AcceptedReading, EventBus } from '../domain/events.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../store/index.js';
import { insertQuarantine, type QuarantineRecord } from '../store/quarantine.js';
import { parseReadingsPayload, type ParseLimits, type ParseOutcome } from './parse.js';
import { qualityName } from '../domain/quality.js';
import type { Refusal } from '../domain/reasons.js';
import type { StationDirectory } from '../stations/directory.js';
import { createBatchWriter, type StorageState, type WriteRow } from './writer.js';
import { openSpool } from './spool.js';
import { createStorageMetrics } from './storage-metrics.js';
import { createIngestQc } from './qc.js';
import { join } from 'node:path';

export type IngestSource = 'mqtt' | 'http' | 'file';

export interface IngestResult {
  /** Readings (metric values) handed to the database in this payload. */
  rows: number;
  /** Refusals; empty when everything was accepted. */
  refused: Refusal[];
  /** True when the payload was kept in quarantine (whole or in part refused). */
  quarantined: boolean;
}

export interface IngestDeps {
  config: Readonly<Config>;
  db: Db;
  profiles: ReadonlyMap<string, LoadedProfile>;
  directory: StationDirectory;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

export interface Ingest {
  handleReadings(stationId: string, payload: Buffer, source: IngestSource, topic?: string): Promise<IngestResult>;
  /**
   * For adapters with their own format (Circular 10 files): rows and refusals already parsed.
   * The rows are group-committed like MQTT readings; if anything was refused the whole original
   * payload is quarantined with every refusal. `origin` is the topic, file name or URL path.
   */
  handleParsed(stationId: string, outcome: ParseOutcome, payload: Buffer, source: IngestSource, origin?: string): Promise<IngestResult>;
  /** Waits until every accepted payload so far is committed. */
  drain(): Promise<void>;
  readonly queuedRows: number;
  /** Degraded storage (database unreachable, readings in the spool); see ingest/writer.ts. */
  readonly storage: StorageState;
  close(): Promise<void>;
}

const MAX_REASON_CHARS = 2000;

export function createIngest(deps: IngestDeps): Ingest {
  const { config, db, profiles, directory, bus, metrics, logger } = deps;
  const now = deps.now ?? Date.now;
  const limits: ParseLimits = {
    maxPayloadBytes: config.ingest.maxPayloadBytes,
    maxReadingsPerMessage: config.ingest.maxReadingsPerMessage,
    maxFutureSkewMs: config.ingest.maxFutureSkewSeconds * 1000,
  };
  let closed = false;
  // The spool (ingest/spool.ts) keeps acknowledging through a database outage. In embedded mode
  // the database runs in this process, so it matters only if its worker dies (then the spool
  // fills and is replayed at the next start); with DATABASE_URL it carries real outages.
  const spool = config.spool.maxBytes > 0 ? openSpool(join(config.dataDir, 'spool'), config.spool.maxBytes, logger) : undefined;
  const qc = createIngestQc({ db, profiles, directory, bus, logger, enabled: config.validation.ingestChecks, now });
  const storageMetrics = createStorageMetrics(metrics, () => ({ ...writer.storage, queuedRows: writer.queuedRows, blockedWrites: writer.blockedWrites }));

  const writer = createBatchWriter(db, {
    maxRows: config.ingest.batchMaxRows,
    maxWaitMs: config.ingest.batchMaxWaitMs,
    retries: config.ingest.writeRetries,
    maxPendingRows: config.ingest.maxPendingRows,
    spool,
    replayIntervalMs: config.spool.replayIntervalMs,
    // Embedded: one connection that a long query may hold; waiting is right there.
    writeTimeoutMs: db.mode === 'server' ? config.store.writeTimeoutMs : 0,
    deferAfterMs: config.spool.deferAfterMs,
    maxDeferredRows: config.spool.maxDeferredRows,
    onDeferred(rows) {
      storageMetrics.deferredRows.inc(rows);
    },
    onReplayed(waitedMs) {
      storageMetrics.spoolWait.observe(waitedMs / 1000);
    },
    onSpooled(rows, spoolBytes) {
      storageMetrics.spooledRows.inc(rows);
      logger.debug({ rows, spoolBytes }, 'database unreachable: readings spooled and acknowledged');
    },
    onConflicts(count) {
      storageMetrics.conflicts.inc(count);
    },
    onStorageState(state) {
      if (state.degraded) logger.error({ ...state }, 'storage degraded: the database is unreachable or readings wait in the spool');
      else logger.warn('storage recovered: the spool is replayed');
      bus.emit('storageStateChanged', { ...state, at: Date.now() });
    },
    onQc: (flags) => qc.record(flags),
    check: (rows) => qc.checkRows(rows),
    onCommitted({ rows, inserted, ms, replayed }) {
      if (replayed) storageMetrics.replayedRows.inc(rows.length);
      metrics.batchRows.observe(rows.length);
      metrics.commitSeconds.observe(ms / 1000);
      metrics.readingsAccepted.inc(inserted);
      metrics.readingsDuplicate.inc(rows.length - inserted);
      const readings: AcceptedReading[] = rows.map((r) => ({
        stationId: r.stationId,
        metric: r.metric,
        ts: r.ts,
        value: r.value,
        quality: qualityName(r.quality),
        ...(r.qc ? { qc: r.qc } : {}),
      }));
      bus.emit('readingsAccepted', { readings });
    },
    onWriteError(err, attempt) {
      metrics.writeFailures.inc();
      logger.error({ err, attempt }, 'batch insert failed');
    },
  });

  async function quarantine(stationId: string | null, source: IngestSource, topic: string | undefined, payload: Buffer, refused: Refusal[], readingCount: number): Promise<void> {
    const first = refused[0]!;
    const wholePayload = first.index === null;
    const summary = wholePayload ? first.reason : `${refused.length} of ${readingCount} readings refused: ${refused.map((r) => `[${r.index}] ${r.reason}`).join('; ')}`;
    const reason = summary.length > MAX_REASON_CHARS ? summary.slice(0, MAX_REASON_CHARS - 1) + '…' : summary;
    const record: QuarantineRecord = {
      source,
      stationId,
      topic: topic ?? null,
      reasonCode: first.code,
      reason,
      details: { refused: refused.slice(0, 1000), readingCount },
      payload,
    };
    // Database unreachable: the refused payload waits in the spool like the readings do.
    await insertQuarantine(db, [record]).catch((err: unknown) => writer.spoolQuarantine([record], err));
    for (const r of refused) metrics.readingsRejected.inc({ reason: r.code, source });
    bus.emit('payloadQuarantined', { stationId, source, reasonCode: first.code, reason });
  }

  async function store(stationId: string, outcome: ParseOutcome, payload: Buffer, source: IngestSource, origin: string | undefined): Promise<IngestResult> {
    const rows: WriteRow[] = outcome.rows.map((r) => ({ stationId, metric: r.metric, ts: r.ts, value: r.value, quality: r.quality }));
    const pending: Array<Promise<unknown>> = [];
    if (rows.length > 0) {
      // The checks see a station's rows in the order they arrive (once their configuration is loaded).
      const loading = qc.ready();
      if (loading) await loading;
      pending.push(writer.write(rows, source, qc.check(stationId, rows)));
    }
    if (outcome.refused.length > 0) pending.push(quarantine(stationId, source, origin, payload, outcome.refused, outcome.readingCount));
    await Promise.all(pending);
    return { rows: rows.length, refused: outcome.refused, quarantined: outcome.refused.length > 0 };
  }

  function unknownStation(stationId: string, known: boolean, source: IngestSource, origin: string | undefined, payload: Buffer): Promise<IngestResult> {
    const refused: Refusal[] = [{ index: null, code: 'unknown_station', reason: `station ${stationId} is not registered` }];
    return quarantine(known ? stationId : null, source, origin, payload, refused, 0).then(() => ({ rows: 0, refused, quarantined: true }));
  }

  return {
    async handleReadings(stationId, payload, source, topic) {
      if (closed) throw createError('QT_ERR_SHUTTING_DOWN', 'ingest is closed');
      const station = directory.get(stationId);
      const loaded = station ? profiles.get(station.profileId) : undefined;
      if (!station || !loaded) return unknownStation(stationId, station !== undefined, source, topic, payload);
      // Backpressure: wait for room before parsing, so a held publish keeps only its raw bytes.
      const room = writer.room();
      if (room) await room;
      return store(stationId, parseReadingsPayload(payload, loaded, limits, now()), payload, source, topic);
    },
    async handleParsed(stationId, outcome, payload, source, origin) {
      if (closed) throw createError('QT_ERR_SHUTTING_DOWN', 'ingest is closed');
      if (!directory.get(stationId)) return unknownStation(stationId, false, source, origin, payload);
      return store(stationId, outcome, payload, source, origin);
    },
    async drain() {
      await writer.drain();
      await qc.drain();
    },
    get queuedRows() {
      return writer.queuedRows;
    },
    get storage() {
      return writer.storage;
    },
    async close() {
      closed = true;
      await writer.drain();
      writer.close();
      await qc.drain();
      qc.close();
      await spool?.close();
    },
  };
}
