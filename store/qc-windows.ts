/**
 * @module store/qc-windows
 * Calibration and maintenance windows an operator schedules ahead (`qc_windows`, issue 18), and the
 * flagging of readings already stored over a range: a window created over the past flags its
 * readings with the `window` bit at once (`flagWindow`), a cancelled one clears them
 * (`unflagWindow`); the ingest-time flat-line check flags the start of a run it recognises late
 * the same way (`flagStoredRange`). Bits and detail rows go through store/qc-flags.ts.
 */
import { CHECK_BITS, type CheckCode } from '../domain/validation/codes.js';
import type { QcWindowSpan } from '../domain/validation/checks.js';
import { clearQcFlags, recordQcFlags, type QcFlag } from './qc-flags.js';
import type { Db } from './db.js';

export type QcWindowKind = 'calibration' | 'maintenance';

export interface QcWindow {
  id: number;
  stationId: string;
  /** null = every metric of the station */
  metrics: string[] | null;
  from: Date;
  to: Date;
  kind: QcWindowKind;
  comment: string | null;
  createdBy: string;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelledBy: string | null;
}

export interface NewQcWindow {
  stationId: string;
  metrics?: readonly string[] | null | undefined;
  from: Date;
  to: Date;
  kind: QcWindowKind;
  comment?: string | null | undefined;
  createdBy: string;
}

interface Row {
  id: string;
  station_id: string;
  metrics: string[] | null;
  starts_at: Date;
  ends_at: Date;
  kind: QcWindowKind;
  comment: string | null;
  created_by: string;
  created_at: Date;
  cancelled_at: Date | null;
  cancelled_by: string | null;
}

const COLUMNS = 'id, station_id, metrics, starts_at, ends_at, kind, comment, created_by, created_at, cancelled_at, cancelled_by';

function toWindow(r: Row): QcWindow {
  return {
    id: Number(r.id),
    stationId: r.station_id,
    metrics: r.metrics,
    from: r.starts_at,
    to: r.ends_at,
    kind: r.kind,
    comment: r.comment,
    createdBy: r.created_by,
    createdAt: r.created_at,
    cancelledAt: r.cancelled_at,
    cancelledBy: r.cancelled_by,
  };
}

/** The span the checks use (domain/validation/checks.ts windowAt). */
export function windowSpan(w: QcWindow): QcWindowSpan {
  return { id: w.id, stationId: w.stationId, metrics: w.metrics, from: w.from.getTime(), to: w.to.getTime(), kind: w.kind };
}

/** A station's windows (cancelled ones too) that intersect [from, to) when given, newest start first. */
export async function listWindows(db: Db, stationId: string, from?: Date, to?: Date): Promise<QcWindow[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM qc_windows
      WHERE station_id = $1 AND ($2::timestamptz IS NULL OR ends_at > $2) AND ($3::timestamptz IS NULL OR starts_at < $3)
      ORDER BY starts_at DESC, id DESC`,
    [stationId, from ?? null, to ?? null],
  );
  return rows.map(toWindow);
}

/** Every station's windows not cancelled that end after `since` (what ingest checks readings against). */
export async function listActiveWindows(db: Db, since: Date): Promise<QcWindow[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM qc_windows WHERE cancelled_at IS NULL AND ends_at > $1 ORDER BY station_id, starts_at`, [since]);
  return rows.map(toWindow);
}

export async function getWindow(db: Db, id: number): Promise<QcWindow | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM qc_windows WHERE id = $1`, [id]);
  return rows[0] ? toWindow(rows[0]) : undefined;
}

/** Stores a window (metrics null or empty = every metric). Flagging stored readings is `flagWindow`'s job. */
export async function createWindow(db: Db, w: NewQcWindow): Promise<QcWindow> {
  const metrics = w.metrics && w.metrics.length > 0 ? [...w.metrics] : null;
  const { rows } = await db.query<Row>(
    `INSERT INTO qc_windows (station_id, metrics, starts_at, ends_at, kind, comment, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [w.stationId, metrics, w.from, w.to, w.kind, w.comment ?? null, w.createdBy],
  );
  return toWindow(rows[0]!);
}

/** Cancels a window; undefined when there is none or it was cancelled already. `unflagWindow` clears its flags. */
export async function cancelWindow(db: Db, id: number, username: string): Promise<QcWindow | undefined> {
  const { rows } = await db.query<Row>(`UPDATE qc_windows SET cancelled_at = now(), cancelled_by = $2 WHERE id = $1 AND cancelled_at IS NULL RETURNING ${COLUMNS}`, [id, username]);
  return rows[0] ? toWindow(rows[0]) : undefined;
}

/** Flags over a range of stored readings, recognised after they were written. */
export interface QcRangeFlag {
  stationId: string;
  /** null = every metric */
  metrics: readonly string[] | null;
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
  /** only readings with this value and quality 0 (a flat line's run); undefined = every reading */
  value?: number | undefined;
  check: CheckCode;
  version: number;
  detail?: Record<string, unknown> | undefined;
}

/** Rows flagged per statement at most (a long window over one-minute data). */
const CHUNK = 20_000;

/**
 * Sets `check`'s bit and a qc_flags detail row on the readings stored in the range (recordQcFlags).
 * @returns how many readings got the bit.
 */
export async function flagStoredRange(db: Db, r: QcRangeFlag): Promise<number> {
  const bit = CHECK_BITS[r.check];
  const { rows } = await db.query<{ metric: string; ts: Date }>(
    `SELECT metric, ts FROM readings
      WHERE station_id = $1 AND ts >= $2 AND ts < $3 AND ($4::text[] IS NULL OR metric = ANY($4::text[]))
        AND ($5::float8 IS NULL OR (value = $5 AND quality = 0)) AND (qc & $6::int2) = 0
      ORDER BY ts, metric`,
    [r.stationId, new Date(r.from), new Date(r.to), r.metrics ? [...r.metrics] : null, r.value ?? null, bit],
  );
  let flagged = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const flags: QcFlag[] = rows
      .slice(i, i + CHUNK)
      .map((x) => ({ stationId: r.stationId, metric: x.metric, ts: x.ts.getTime(), check: r.check, version: r.version, detail: r.detail }));
    flagged += await recordQcFlags(db, flags);
  }
  return flagged;
}

/** Flags the readings already stored inside a window (bit `window`, detail { windowId, kind }). */
export function flagWindow(db: Db, w: QcWindow, version = 1): Promise<number> {
  return flagStoredRange(db, {
    stationId: w.stationId,
    metrics: w.metrics,
    from: w.from.getTime(),
    to: w.to.getTime(),
    check: 'window',
    version,
    detail: { windowId: w.id, kind: w.kind },
  });
}

/**
 * Clears the `window` flags of a cancelled window's readings, except where another window that is
 * still in force covers the same reading (those are flagged again).
 */
export async function unflagWindow(db: Db, w: QcWindow, version = 1): Promise<number> {
  const cleared = await clearQcFlags(db, w.stationId, 'window', w.from, w.to, w.metrics ?? undefined);
  const others = (await listWindows(db, w.stationId, w.from, w.to)).filter((o) => o.id !== w.id && o.cancelledAt === null);
  for (const o of others) await flagWindow(db, o, version);
  return cleared;
}
