/**
 * @module ingest/quarantine-spool
 * Refused payloads on their way to the quarantine table when that table is unreachable: they are
 * kept in the local spool (payload as base64, the spool being JSON) and written to the table when
 * the spool is replayed.
 */
import type { Db } from '../store/index.js';
import { insertQuarantine, type QuarantineRecord } from '../store/quarantine.js';
import type { SpoolQuarantine } from './spool.js';

/** Quarantine records in the spool's JSON form. */
export function toSpoolQuarantine(records: readonly QuarantineRecord[]): SpoolQuarantine[] {
  return records.map((r) => ({
    source: r.source,
    stationId: r.stationId,
    topic: r.topic,
    reasonCode: r.reasonCode,
    reason: r.reason,
    details: r.details,
    payload: r.payload.toString('base64'),
  }));
}

/** Writes spooled quarantine records to the quarantine table (none: no statement). */
export async function replayQuarantine(db: Db, spooled: readonly SpoolQuarantine[]): Promise<void> {
  if (spooled.length > 0)
    await insertQuarantine(
      db,
      spooled.map((q) => ({ ...q, payload: Buffer.from(q.payload, 'base64') })),
    );
}
