/**
 * @module ingest/parse
 * Turns one raw payload from a station into rows, or refusals a person can read. Pure: no I/O.
 *
 * Steps, in order: size → UTF-8 → JSON → array or single → per reading: profile schema (ajv,
 * compiled once per profile), timestamp sanity, null values only with a fault/calibration
 * status → quality flag from status and physical range.
 * A backlog array keeps its good readings; each bad one is refused with its index.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import { describeReadingErrors } from '../device-profiles/index.js';
import { qualityOf } from '../domain/quality.js';
import type { ParseOutcome, ParsedRow } from '../domain/readings.js';
import type { Refusal } from '../domain/reasons.js';

export type { ParseOutcome, ParsedRow };

export interface ParseLimits {
  maxPayloadBytes: number;
  maxReadingsPerMessage: number;
  maxFutureSkewMs: number;
}

/** 2000-01-01T00:00:00Z: a datalogger whose clock reset reports 1970 or 2000-ish dates. */
const OLDEST_TS = Date.UTC(2000, 0, 1);
const decoder = new TextDecoder('utf-8', { fatal: true });

function whole(code: Refusal['code'], reason: string): ParseOutcome {
  return { rows: [], refused: [{ index: null, code, reason }], readingCount: 0 };
}

export function parseReadingsPayload(payload: Uint8Array, loaded: LoadedProfile, limits: ParseLimits, now: number): ParseOutcome {
  if (payload.byteLength > limits.maxPayloadBytes) {
    return whole('payload_too_large', `payload is ${payload.byteLength} bytes; the limit is ${limits.maxPayloadBytes}`);
  }
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    return whole('invalid_encoding', 'payload is not valid UTF-8 text');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return whole('invalid_json', `payload is not valid JSON: ${(err as Error).message}`);
  }
  const isArray = Array.isArray(doc);
  const items: unknown[] = isArray ? (doc as unknown[]) : [doc];
  if (isArray && items.length === 0) return whole('empty_batch', 'backlog array is empty');
  if (items.length > limits.maxReadingsPerMessage) {
    return whole('too_many_readings', `backlog array holds ${items.length} readings; the limit is ${limits.maxReadingsPerMessage}`);
  }

  const { profile, validateReading } = loaded;
  const rows: ParsedRow[] = [];
  const refused: Refusal[] = [];
  const latest = now + limits.maxFutureSkewMs;

  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const index = isArray ? i : null;
    const prefix = isArray ? `[${i}].` : '';
    if (!validateReading(item)) {
      const errors = validateReading.errors ?? [];
      const unknownMetric = errors.some((e) => e.keyword === 'additionalProperties' && /\/(values|status)$/.test(e.instancePath));
      refused.push({ index, code: unknownMetric ? 'unknown_metric' : 'schema', reason: describeReadingErrors(errors, profile.id, prefix).join('; ') });
      continue;
    }
    const ts = Date.parse(item.ts);
    if (!Number.isFinite(ts)) {
      refused.push({ index, code: 'schema', reason: `${prefix}ts "${item.ts}" is not a valid date-time` });
      continue;
    }
    if (ts > latest) {
      refused.push({
        index,
        code: 'timestamp_in_future',
        reason: `${prefix}ts ${item.ts} is ${Math.round((ts - now) / 1000)} s ahead of the server clock (limit ${limits.maxFutureSkewMs / 1000} s)`,
      });
      continue;
    }
    if (ts < OLDEST_TS) {
      refused.push({ index, code: 'timestamp_too_old', reason: `${prefix}ts ${item.ts} is before 2000-01-01 (station clock reset?)` });
      continue;
    }
    const status = item.status ?? {};
    let bad: string | undefined;
    for (const [metric, value] of Object.entries(item.values)) {
      const s = status[metric];
      if (value === null && s !== '01' && s !== '02' && s !== '03') {
        bad = `${prefix}values.${metric} is null; a missing value needs status 02 (fault), 01 or 03`;
        break;
      }
    }
    if (bad) {
      refused.push({ index, code: 'schema', reason: bad });
      continue;
    }
    for (const [metric, value] of Object.entries(item.values)) {
      const def = profile.metrics[metric];
      if (!def) continue; // unreachable: the schema allows only the profile's metrics
      rows.push({ metric, ts, value, quality: qualityOf(status[metric], value, def.range) });
    }
  }
  return { rows, refused, readingCount: items.length };
}
