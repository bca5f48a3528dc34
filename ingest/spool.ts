/**
 * @module ingest/spool
 * The durable local spool: where readings go when the database cannot take them, so that
 * ingest can keep acknowledging (a PUBACK, a 202) through a database outage without ever
 * acknowledging something that is only in memory.
 *
 * File: `<DATA_DIR>/spool/readings.spool`, append-only, one record per spooled batch:
 *
 * ```
 * offset  size  field
 * 0       4     payload length n, uint32 little-endian
 * 4       4     CRC-32 (zlib polynomial) of the payload, uint32 little-endian
 * 8       n     payload: UTF-8 JSON {"v":1,"at":<epoch ms spooled>,"rows":[[stationId, metric,
 *               tsEpochMs, value|null, qualityCode, source, qc], …]} and, for refused payloads,
 *               "q":[{source, stationId, topic, reasonCode, reason, details, payload: base64}],
 *               and for readings the ingest-time checks flagged, "f":{flags, ranges} (the details
 *               recorded once they are replayed; ingest/qc-evaluator.ts QcOutcome). `qc`, the
 *               checks' bitmask, is absent in files written before the checks existed: those
 *               rows are checked when they are replayed.
 * ```
 *
 * - `append()` writes the record and fdatasync()s the file before it resolves: the caller
 *   acknowledges only after that.
 * - The file never grows past `maxBytes`: an append that would is refused with
 *   QT_ERR_SPOOL_FULL (nothing is written) and the caller must not acknowledge.
 * - Records are read back in file order (= acknowledgement order). The file is truncated to
 *   zero only by `clear()`, which the writer calls after every replayed row is committed.
 * - At open, the file is scanned: a torn last record (a crash during an append, which was
 *   therefore never acknowledged) is cut off; a record whose CRC does not match in the middle of
 *   the file stops the scan, and the rest of the file is moved aside to
 *   `readings.spool.corrupt-<time>` for a person to look at (it is never silently discarded).
 */
import {
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncate,
  ftruncateSync,
  mkdirSync,
  openSync,
  read,
  readSync,
  write,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { createError } from '../lib/errors.js';
import { createSerial } from '../lib/serial.js';
import type { Logger } from '../lib/logger.js';
import type { QcOutcome } from './qc-evaluator.js';

/** One spooled reading: [stationId, metric, ts (epoch ms), value, quality code, source, qc bits]. */
export type SpoolRow = [string, string, number, number | null, number, string, number?];

/** A refused payload waiting for the quarantine table (payload base64). */
export interface SpoolQuarantine {
  source: string;
  stationId: string | null;
  topic: string | null;
  reasonCode: string;
  reason: string;
  details?: unknown;
  payload: string;
}

export interface SpoolRecord {
  /** Byte offset of the record in the file. */
  offset: number;
  /** Offset of the record after this one. */
  next: number;
  /** When it was spooled (epoch ms). */
  at: number;
  rows: SpoolRow[];
  quarantine: SpoolQuarantine[];
  /** the check flags of the record's rows, to record once they are committed */
  qc?: QcOutcome | undefined;
}

export interface Spool {
  /** Bytes in the spool file (0 = nothing waits for the database). */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Rows written and not yet cleared. */
  readonly rows: number;
  /** Appends one record and makes it durable (fdatasync). Throws QT_ERR_SPOOL_FULL if it does not fit. Appends are serialised. */
  append(rows: SpoolRow[], quarantine?: SpoolQuarantine[], qc?: QcOutcome): Promise<void>;
  /** Reads whole records starting at `offset`, about `maxBytes` of them (at least one). */
  read(offset: number, maxBytes: number): Promise<SpoolRecord[]>;
  /** Empties the spool if it still ends at `end` (everything up to there is committed); false if an append came in since. */
  clearIf(end: number): Promise<boolean>;
  close(): Promise<void>;
}

const HEADER = 8;
const writeAt = promisify(write) as unknown as (fd: number, buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesWritten: number }>;
const readAt = promisify(read) as unknown as (fd: number, buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesRead: number }>;
const datasync = promisify(fdatasync);
const truncate = promisify(ftruncate);
export const SPOOL_FILE = 'readings.spool';

/** Encodes one record (exported for tests and for documentation by example). */
export function encodeSpoolRecord(rows: SpoolRow[], at = Date.now(), quarantine?: SpoolQuarantine[], qc?: QcOutcome): Buffer {
  const doc: { v: 1; at: number; rows: SpoolRow[]; q?: SpoolQuarantine[]; f?: QcOutcome } = { v: 1, at, rows };
  if (quarantine && quarantine.length > 0) doc.q = quarantine;
  if (qc && (qc.flags.length > 0 || qc.ranges.length > 0)) doc.f = qc;
  const payload = Buffer.from(JSON.stringify(doc), 'utf8');
  const record = Buffer.allocUnsafe(HEADER + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  payload.copy(record, HEADER);
  return record;
}

interface Scan {
  /** End of the last good record. */
  goodEnd: number;
  rows: number;
  /** True when a bad CRC or an unreadable payload (not a short tail) stopped the scan. */
  corrupt: boolean;
}

function scanFile(fd: number, size: number): Scan {
  let offset = 0;
  let rows = 0;
  const header = Buffer.alloc(HEADER);
  while (offset + HEADER <= size) {
    readSync(fd, header, 0, HEADER, offset);
    const length = header.readUInt32LE(0);
    const crc = header.readUInt32LE(4);
    if (offset + HEADER + length > size) break; // torn tail
    const payload = Buffer.alloc(length);
    readSync(fd, payload, 0, length, offset + HEADER);
    if (crc32(payload) !== crc) return { goodEnd: offset, rows, corrupt: offset + HEADER + length < size };
    try {
      const doc = JSON.parse(payload.toString('utf8')) as { rows: unknown[]; q?: unknown[] };
      rows += doc.rows.length + (doc.q?.length ?? 0);
    } catch {
      return { goodEnd: offset, rows, corrupt: true };
    }
    offset += HEADER + length;
  }
  return { goodEnd: offset, rows, corrupt: false };
}

/**
 * Opens (creating if needed) the spool in `dir`, recovering from a crash during an append.
 * @example const spool = await openSpool(join(config.dataDir, 'spool'), 256 * 2 ** 20, logger)
 */
export function openSpool(dir: string, maxBytes: number, logger: Logger): Spool {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SPOOL_FILE);
  // Recover synchronously before anyone appends.
  const created = !existsSync(path);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  if (created) {
    // The new file's directory entry must be durable too, before the first acknowledgement.
    const dirFd = openSync(dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  }
  const size = fstatSync(fd).size;
  const scan = scanFile(fd, size);
  if (scan.goodEnd < size) {
    if (scan.corrupt) {
      const rest = Buffer.alloc(size - scan.goodEnd);
      readSync(fd, rest, 0, rest.length, scan.goodEnd);
      const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      writeFileSync(aside, rest, { flush: true });
      logger.error({ path, at: scan.goodEnd, bytes: rest.length, aside }, 'spool: damaged record; the rest of the file is kept aside for inspection');
    } else {
      logger.warn({ path, at: scan.goodEnd, bytes: size - scan.goodEnd }, 'spool: cut off an incomplete last record (an append interrupted by a crash, never acknowledged)');
    }
  }
  if (scan.goodEnd < size) {
    ftruncateSync(fd, scan.goodEnd);
    fdatasyncSync(fd);
  }
  let bytes = scan.goodEnd;
  let rows = scan.rows;
  /** Appends and truncations run one at a time, in call order. */
  const serial = createSerial();
  if (bytes > 0) logger.warn({ path, bytes, rows }, 'spool: readings wait to be replayed into the database');

  return {
    get bytes() {
      return bytes;
    },
    get rows() {
      return rows;
    },
    maxBytes,
    append: (newRows, quarantine, qc) =>
      serial(async () => {
        const record = encodeSpoolRecord(newRows, Date.now(), quarantine, qc);
        if (bytes + record.length > maxBytes) {
          throw createError('QT_ERR_SPOOL_FULL', `the spool is full (${bytes} of ${maxBytes} bytes; this batch needs ${record.length})`);
        }
        try {
          let done = 0;
          while (done < record.length) done += (await writeAt(fd, record, done, record.length - done, bytes + done)).bytesWritten;
          await datasync(fd);
        } catch (err) {
          // A partial write leaves a torn tail that the next append would overwrite at `bytes`.
          await truncate(fd, bytes).catch((truncErr: unknown) => logger.error({ err: truncErr }, 'spool: truncate after failed append failed'));
          throw err;
        }
        bytes += record.length;
        rows += newRows.length + (quarantine?.length ?? 0);
      }),
    async read(offset, maxRead) {
      const out: SpoolRecord[] = [];
      const header = Buffer.alloc(HEADER);
      while (offset < bytes && (out.length === 0 || offset - (out[0]?.offset ?? offset) < maxRead)) {
        await readAt(fd, header, 0, HEADER, offset);
        const length = header.readUInt32LE(0);
        const payload = Buffer.alloc(length);
        await readAt(fd, payload, 0, length, offset + HEADER);
        if (crc32(payload) !== header.readUInt32LE(4)) throw createError('QT_ERR_INTERNAL', `spool record at ${offset} changed on disk`);
        const parsed = JSON.parse(payload.toString('utf8')) as { at: number; rows: SpoolRow[]; q?: SpoolQuarantine[]; f?: QcOutcome };
        out.push({ offset, next: offset + HEADER + length, at: parsed.at, rows: parsed.rows, quarantine: parsed.q ?? [], qc: parsed.f });
        offset += HEADER + length;
      }
      return out;
    },
    clearIf: (end) =>
      serial(async () => {
        if (bytes !== end) return false;
        await truncate(fd, 0);
        await datasync(fd);
        bytes = 0;
        rows = 0;
        return true;
      }),
    async close() {
      closeSync(fd);
    },
  };
}

/** Synchronous durable write helper kept for tests that build spool files by hand. */
export function writeSpoolFileSync(path: string, records: Buffer[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const r of records) writeFileSync(fd, r);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
