/**
 * @module ingest/adapters/circular10
 * The text files of Circular 10/2021/TT-BTNMT, Appendix 15: read (parseCircular10) and written
 * (formatCircular10, circular10FileName). Pure: no I/O.
 *
 * File name: `TenTinh_TenCoSo_TenTram_yyyyMMddHHmmss.txt` (province, facility, station codes,
 * then the local time). One line per parameter, 5 TAB-separated fields:
 *
 * ```
 * <symbol>\t<value>\t<unit>\t<yyyyMMddHHmmss>\t<status>
 * COD	45.2300	mg/L	20210816093000	00
 * ```
 *
 * Status: 00 measuring, 01 calibrating, 02 device fault (and 03 maintenance, sent by some
 * loggers though not in the Circular). The time is local time without a zone (UTC+7 in Vietnam).
 *
 * Tolerated, because real loggers send it: CRLF or LF (or CR), a UTF-8 BOM, text that is not
 * UTF-8 (read as Latin-1: symbols, numbers and codes are ASCII; `°`/`µ` in units survive), blank
 * lines, a comma as decimal separator, an empty value with status 01/02/03, a single-digit status,
 * a trailing TAB, fields separated by spaces when a line holds no TAB at all.
 *
 * Every non-blank line becomes exactly one row or one refusal whose `index` is its line number
 * (1-based); a bad line never costs the good ones.
 */
import type { DeviceProfile } from '../../device-profiles/index.js';
import type { ParseOutcome, ParsedRow } from '../../domain/readings.js';
import { qualityOf } from '../../domain/quality.js';
import type { Refusal } from '../../domain/reasons.js';
import type { SymbolTable } from './symbols.js';
import { convert, unitConversion } from './units.js';

export interface Circular10Context {
  profile: DeviceProfile;
  symbols: SymbolTable;
  /** Offset of the station's local time from UTC, minutes (Vietnam: 420). */
  utcOffsetMinutes: number;
  /** Server clock, epoch ms. */
  now: number;
  maxFutureSkewMs: number;
  maxBytes: number;
  maxLines: number;
}

/** 2000-01-01T00:00:00Z: a datalogger whose clock reset reports 1970 or 2000-ish dates. */
const OLDEST_TS = Date.UTC(2000, 0, 1);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NUMBER = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;
const STATUS = /^0?[0-3]$/;
const MAX_FIELD_ECHO = 40;

/** Quotes a field in a reason, cut to a readable length. */
function q(field: string): string {
  const s = field.length > MAX_FIELD_ECHO ? field.slice(0, MAX_FIELD_ECHO) + '…' : field;
  return JSON.stringify(s);
}

function whole(code: Refusal['code'], reason: string): ParseOutcome {
  return { rows: [], refused: [{ index: null, code, reason }], readingCount: 0 };
}

/** Decodes a file: UTF-8 if it is, else Latin-1; a BOM is dropped. */
export function decodeCircular10(payload: Uint8Array): string {
  const bom = payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf;
  const bytes = bom ? payload.subarray(3) : payload;
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/**
 * `yyyyMMddHHmmss` in local time → epoch ms UTC, or undefined when it is not a real time.
 * @example parseLocalTimestamp('20210816093000', 420) === Date.parse('2021-08-16T02:30:00Z')
 */
export function parseLocalTimestamp(s: string, utcOffsetMinutes: number): number | undefined {
  if (!/^\d{14}$/.test(s)) return undefined;
  const y = Number(s.slice(0, 4));
  const mo = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const h = Number(s.slice(8, 10));
  const mi = Number(s.slice(10, 12));
  const se = Number(s.slice(12, 14));
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const local = Date.UTC(y, mo - 1, d, h, mi, se);
  if (new Date(local).getUTCDate() !== d) return undefined; // 31 April, 29 February of 2025
  return local - utcOffsetMinutes * 60_000;
}

/** epoch ms → `yyyyMMddHHmmss` in local time. */
export function formatLocalTimestamp(ms: number, utcOffsetMinutes: number): string {
  return new Date(ms + utcOffsetMinutes * 60_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Splits a line into fields: TABs, or runs of spaces when the logger wrote no TAB at all. */
function fieldsOf(line: string): string[] {
  const fields = line.includes('\t') ? line.split('\t').map((f) => f.trim()) : line.trim().split(/ +/);
  while (fields.length > 5 && fields[fields.length - 1] === '') fields.pop();
  return fields;
}

/** Parses one Circular 10 file of a station into rows and per-line refusals. Never throws. */
export function parseCircular10(payload: Uint8Array, ctx: Circular10Context): ParseOutcome {
  if (payload.byteLength > ctx.maxBytes) return whole('payload_too_large', `file is ${payload.byteLength} bytes; the limit is ${ctx.maxBytes}`);
  const lines = decodeCircular10(payload).split(/\r\n|\r|\n/);
  const rows: ParsedRow[] = [];
  const refused: Refusal[] = [];
  const seen = new Map<string, number>();
  const latest = ctx.now + ctx.maxFutureSkewMs;
  let count = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    count++;
    if (count > ctx.maxLines) return whole('too_many_readings', `file holds more than ${ctx.maxLines} lines`);
    const index = i + 1;
    const refuse = (code: Refusal['code'], reason: string) => refused.push({ index, code, reason: `line ${index}: ${reason}` });

    const fields = fieldsOf(line);
    if (fields.length !== 5) {
      refuse('malformed_line', `expected 5 TAB-separated fields (symbol, value, unit, yyyyMMddHHmmss, status), found ${fields.length}`);
      continue;
    }
    const [symbol, rawValue, unit, rawTs, rawStatus] = fields as [string, string, string, string, string];
    if (symbol === '') {
      refuse('malformed_line', 'the symbol is empty');
      continue;
    }
    const metric = ctx.symbols.resolve(symbol);
    const def = metric === undefined ? undefined : ctx.profile.metrics[metric];
    if (metric === undefined || !def) {
      refuse('unknown_metric', `unknown symbol ${q(symbol)} for profile ${ctx.profile.id}`);
      continue;
    }
    if (!STATUS.test(rawStatus)) {
      refuse('invalid_status', `status ${q(rawStatus)} of ${symbol} must be 00 (measuring), 01 (calibrating), 02 (fault) or 03 (maintenance)`);
      continue;
    }
    const status = rawStatus.padStart(2, '0');
    const ts = parseLocalTimestamp(rawTs, ctx.utcOffsetMinutes);
    if (ts === undefined) {
      refuse('invalid_timestamp', `time ${q(rawTs)} of ${symbol} is not a valid yyyyMMddHHmmss`);
      continue;
    }
    if (ts > latest) {
      refuse('timestamp_in_future', `time ${rawTs} of ${symbol} is ${Math.round((ts - ctx.now) / 1000)} s ahead of the server clock (limit ${ctx.maxFutureSkewMs / 1000} s)`);
      continue;
    }
    if (ts < OLDEST_TS) {
      refuse('timestamp_too_old', `time ${rawTs} of ${symbol} is before 2000-01-01 (station clock reset?)`);
      continue;
    }
    let value: number | null;
    if (rawValue === '') {
      if (status === '00') {
        refuse('invalid_value', `the value of ${symbol} is empty; a missing value needs status 02 (fault), 01 or 03`);
        continue;
      }
      value = null;
    } else if (NUMBER.test(rawValue)) {
      const n = Number(rawValue.replace(',', '.'));
      if (!Number.isFinite(n)) {
        refuse('invalid_value', `value ${q(rawValue)} of ${symbol} is not a finite number`);
        continue;
      }
      const conversion = unitConversion(unit, def.unit);
      if (!conversion) {
        refuse('unit_mismatch', `unit ${q(unit)} of ${symbol} cannot be converted to ${def.unit} (metric ${metric})`);
        continue;
      }
      value = convert(n, conversion);
      if (!Number.isFinite(value)) {
        // e.g. -1.8e305 mg/m3 is finite, but not once converted to µg/m³
        refuse('invalid_value', `value ${q(rawValue)} ${unit} of ${symbol} is not a finite number in ${def.unit}`);
        continue;
      }
    } else {
      refuse('invalid_value', `value ${q(rawValue)} of ${symbol} is not a decimal number`);
      continue;
    }
    const key = `${metric}\u0000${ts}`;
    const first = seen.get(key);
    if (first !== undefined) {
      refuse('duplicate_line', `${symbol} at ${rawTs} already appears on line ${first}`);
      continue;
    }
    seen.set(key, index);
    rows.push({ metric, ts, value, quality: qualityOf(status, value, def.range) });
  }
  if (count === 0) return whole('empty_file', 'file holds no data line');
  return { rows, refused, readingCount: count };
}

export interface Circular10Line {
  symbol: string;
  value: number | null;
  unit: string;
  ts: number;
  status: '00' | '01' | '02' | '03';
  decimals?: number | undefined;
}

/** Writes the lines of one file (CRLF, as most Windows-based receiving software expects). */
export function formatCircular10(lines: readonly Circular10Line[], utcOffsetMinutes: number): string {
  return lines
    .map(
      (l) =>
        [
          l.symbol,
          l.value === null ? '' : l.decimals === undefined ? String(l.value) : l.value.toFixed(l.decimals),
          l.unit,
          formatLocalTimestamp(l.ts, utcOffsetMinutes),
          l.status,
        ].join('\t') + '\r\n',
    )
    .join('');
}

/** A code safe in a file name part: letters, digits and `-` (no `_`, which separates the parts). */
export function fileNameCode(s: string): string {
  const ascii = s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'));
  return ascii.replace(/[^A-Za-z0-9-]+/g, '').slice(0, 32) || 'NA';
}

/** `TenTinh_TenCoSo_TenTram_yyyyMMddHHmmss.txt` */
export function circular10FileName(parts: { province: string; facility: string; station: string }, ts: number, utcOffsetMinutes: number): string {
  return `${fileNameCode(parts.province)}_${fileNameCode(parts.facility)}_${fileNameCode(parts.station)}_${formatLocalTimestamp(ts, utcOffsetMinutes)}.txt`;
}

/** A C0 control character, DEL, or a path separator (`/`, `\`). */
function isForbiddenFileNameChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code <= 0x1f || code === 0x7f || c === '/' || c === '\\';
}

/** A name a station may upload: a plain `.txt` name (any case), no path, no control characters. */
export function isAcceptableFileName(name: string): boolean {
  return name.length <= 255 && /\.txt$/i.test(name) && !Array.from(name).some(isForbiddenFileNameChar) && name !== '.txt' && !name.startsWith('.');
}
