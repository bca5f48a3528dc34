import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import { parseReadingsPayload } from './parse.js';
import { QUALITY } from '../domain/quality.js';

const profiles = loadProfiles();
const water = profiles.get('surface-water')!;
const limits = { maxPayloadBytes: 10_000, maxReadingsPerMessage: 3, maxFutureSkewMs: 60_000 };
const NOW = Date.parse('2026-11-22T10:00:00+07:00');
const parse = (doc: unknown) => parseReadingsPayload(Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), water, limits, NOW);

describe('parseReadingsPayload', () => {
  it('turns a reading into one row per metric with its UTC time and quality', () => {
    const out = parse({ ts: '2026-11-22T09:55:00+07:00', values: { ph: 7.2, do: 25, cod: 8 }, status: { cod: '01' } });
    expect(out.refused).toEqual([]);
    expect(out.rows).toEqual([
      { metric: 'ph', ts: Date.parse('2026-11-22T02:55:00Z'), value: 7.2, quality: QUALITY.valid },
      { metric: 'do', ts: Date.parse('2026-11-22T02:55:00Z'), value: 25, quality: QUALITY.out_of_range },
      { metric: 'cod', ts: Date.parse('2026-11-22T02:55:00Z'), value: 8, quality: QUALITY.calibrating },
    ]);
  });

  it('accepts other offsets and Z, and refuses what is too far ahead by the skew only', () => {
    expect(parse({ ts: '2026-11-22T03:00:30Z', values: { ph: 7 } }).rows).toHaveLength(1);
    expect(parse({ ts: '2026-11-22T03:01:01Z', values: { ph: 7 } }).refused[0]!.code).toBe('timestamp_in_future');
    expect(parse({ ts: '2026-11-22T12:00:00+09:00', values: { ph: 7 } }).rows[0]!.ts).toBe(Date.parse('2026-11-22T03:00:00Z'));
  });

  it('refuses a whole payload above the backlog limit', () => {
    const item = { ts: '2026-11-22T09:00:00+07:00', values: { ph: 7 } };
    expect(parse([item, item, item, item]).refused).toEqual([{ index: null, code: 'too_many_readings', reason: 'backlog array holds 4 readings; the limit is 3' }]);
  });

  it('names status codes for unknown metrics and bad status values', () => {
    const out = parse({ ts: '2026-11-22T09:00:00+07:00', values: { ph: 7 }, status: { ph: '07', pm25: '00' } });
    expect(out.rows).toEqual([]);
    expect(out.refused[0]!.code).toBe('unknown_metric');
    expect(out.refused[0]!.reason).toMatch(/status for unknown metric "pm25"/);
    expect(out.refused[0]!.reason).toMatch(/status\.ph must be one of 00/);
  });

  it('refuses a reading that is not an object, or has no values', () => {
    expect(parse([42]).refused[0]).toMatchObject({ index: 0, code: 'schema' });
    expect(parse({ ts: '2026-11-22T09:00:00+07:00', values: {} }).refused[0]!.reason).toMatch(/at least one metric/);
    expect(parse('"hello"').refused[0]!.code).toBe('schema');
  });
});
