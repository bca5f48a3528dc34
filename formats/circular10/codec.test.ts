import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../../device-profiles/index.js';
import { QUALITY } from '../../domain/quality.js';
import { buildSymbolTables, normalizeSymbol } from './symbols.js';
import { circular10FileName, formatCircular10, isAcceptableFileName, parseCircular10, parseLocalTimestamp, type Circular10Context } from './codec.js';
import { unitConversion } from './units.js';

const profiles = loadProfiles();
const tables = buildSymbolTables(profiles, { '*': { TSP: 'tsp' }, wastewater: { LuuLuongVao: 'flow_in', Color: null } });
const NOW = Date.parse('2026-11-22T03:00:00Z'); // 10:00 in Hanoi
const ctx = (profileId: string, over: Partial<Circular10Context> = {}): Circular10Context => ({
  profile: profiles.get(profileId)!.profile,
  symbols: tables.get(profileId)!,
  utcOffsetMinutes: 420,
  now: NOW,
  maxFutureSkewMs: 600_000,
  maxBytes: 65_536,
  maxLines: 500,
  ...over,
});
const parse = (text: string | Buffer, profileId = 'wastewater', over: Partial<Circular10Context> = {}) =>
  parseCircular10(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, ctx(profileId, over));

describe('parseCircular10', () => {
  it('reads the Appendix 15 layout: local time → UTC, unit, status → quality', () => {
    const out = parse(
      'pH\t7.20\tpH\t20261122093000\t00\r\nCOD\t45.2300\tmg/L\t20261122093000\t01\r\nTSS\t\tmg/L\t20261122093000\t02\r\nNH4\t2000\tmg/L\t20261122093000\t00\r\nTemp\t30\toC\t20261122093000\t03\r\n',
    );
    expect(out.refused).toEqual([]);
    const ts = Date.parse('2026-11-22T02:30:00Z');
    expect(out.rows).toEqual([
      { metric: 'ph', ts, value: 7.2, quality: QUALITY.valid },
      { metric: 'cod', ts, value: 45.23, quality: QUALITY.calibrating },
      { metric: 'tss', ts, value: null, quality: QUALITY.fault },
      { metric: 'nh4', ts, value: 2000, quality: QUALITY.out_of_range },
      { metric: 'temp', ts, value: 30, quality: QUALITY.maintenance },
    ]);
  });

  it('tolerates LF, a BOM, comma decimals, blank lines, single-digit status, trailing TAB and Latin-1 units', () => {
    const latin1 = Buffer.concat([Buffer.from('Temp\t29,5\t'), Buffer.from([0xb0, 0x43]), Buffer.from('\t20261122093000\t0\t\n')]);
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\npH\t6,95\t-\t20261122093000\t00\n\n'), latin1]);
    const out = parse(text);
    expect(out.refused).toEqual([]);
    expect(out.rows.map((r) => [r.metric, r.value])).toEqual([
      ['ph', 6.95],
      ['temp', 29.5],
    ]);
  });

  it('maps symbols case-insensitively with . and , equal, from profiles and the override file', () => {
    expect(normalizeSymbol(' pm2.5 ')).toBe('PM2,5');
    const air = parse('PM2.5\t35.1\tug/m3\t20261122093000\t00\nTSP\t80\tµg/m³\t20261122093000\t00\nCO\t1,2\tmg/m3\t20261122093000\t00\n', 'air-quality');
    expect(air.refused).toEqual([]);
    expect(air.rows.map((r) => [r.metric, r.value])).toEqual([
      ['pm25', 35.1],
      ['tsp', 80],
      ['co', 1200],
    ]);
    const ww = parse('LuuLuongVao\t12\tm3/h\t20261122093000\t00\nColor\t10\tPt-Co\t20261122093000\t00\nFlow\t1\tl/s\t20261122093000\t00\n');
    expect(ww.rows.map((r) => [r.metric, r.value])).toEqual([
      ['flow_in', 12],
      ['flow_out', 3.6],
    ]);
    expect(ww.refused).toEqual([{ index: 2, code: 'unknown_metric', reason: 'line 2: unknown symbol "Color" for profile wastewater' }]);
  });

  it('refuses each bad line with its number and reason, keeping the good ones', () => {
    const out = parse(
      [
        'pH\t7.1\tpH\t20261122093000\t00',
        'COD\t45\tmg/L\t20261122093000',
        'XYZ\t1\tmg/L\t20261122093000\t00',
        'TSS\tabc\tmg/L\t20261122093000\t00',
        'NH4\t1\tmg/L\t20261131093000\t00',
        'NH4\t1\tmg/L\t20261122093000\t07',
        'TSS\t\tmg/L\t20261122093000\t00',
        'TSS\t5\tkg\t20261122093000\t00',
        'TSS\t5\tmg/L\t20261122113000\t00',
        'TSS\t5\tmg/L\t19700101000000\t00',
        'pH\t7.3\tpH\t20261122093000\t00',
      ].join('\n'),
    );
    expect(out.rows).toHaveLength(1);
    expect(out.readingCount).toBe(11);
    expect(out.refused.map((r) => [r.index, r.code])).toEqual([
      [2, 'malformed_line'],
      [3, 'unknown_metric'],
      [4, 'invalid_value'],
      [5, 'invalid_timestamp'],
      [6, 'invalid_status'],
      [7, 'invalid_value'],
      [8, 'unit_mismatch'],
      [9, 'timestamp_in_future'],
      [10, 'timestamp_too_old'],
      [11, 'duplicate_line'],
    ]);
    expect(out.refused[1]!.reason).toBe('line 3: unknown symbol "XYZ" for profile wastewater');
    expect(out.refused[5]!.reason).toMatch(/needs status 02/);
  });

  it('refuses a value that overflows once converted to the profile unit, keeping the next line', () => {
    // found by test/fuzz.test.ts: -1.8e305 mg/m3 is finite, × 1000 into µg/m³ it is -Infinity
    const out = parse('PM2,5\t-1.797693134862316e+305\tmg/m3\t20261122093000\t00\nPM2,5\t0.012\tmg/m3\t20261122094000\t00\n', 'air-quality');
    expect(out.refused).toHaveLength(1);
    expect(out.refused[0]).toMatchObject({ index: 1, code: 'invalid_value' });
    expect(out.refused[0]!.reason).toMatch(/not a finite number in µg\/m³/);
    expect(out.rows).toEqual([{ metric: 'pm25', ts: Date.parse('2026-11-22T02:40:00Z'), value: 12, quality: QUALITY.valid }]);
  });

  it('refuses an empty or oversized file as a whole', () => {
    expect(parse('\r\n\r\n').refused).toEqual([{ index: null, code: 'empty_file', reason: 'file holds no data line' }]);
    expect(parse('x'.repeat(100), 'wastewater', { maxBytes: 50 }).refused[0]!.code).toBe('payload_too_large');
    expect(parse('pH\t7\tpH\t20261122093000\t00\n'.repeat(3), 'wastewater', { maxLines: 2 }).refused[0]!.code).toBe('too_many_readings');
  });

  it('writes what it reads (forwarding format)', () => {
    const ts = Date.parse('2026-11-22T02:30:00Z');
    const text = formatCircular10(
      [
        { symbol: 'COD', value: 45.23, unit: 'mg/L', ts, status: '00', decimals: 1 },
        { symbol: 'TSS', value: null, unit: 'mg/L', ts, status: '02' },
      ],
      420,
    );
    expect(text).toBe('COD\t45.2\tmg/L\t20261122093000\t00\r\nTSS\t\tmg/L\t20261122093000\t02\r\n');
    expect(parse(text).rows).toEqual([
      { metric: 'cod', ts, value: 45.2, quality: QUALITY.valid },
      { metric: 'tss', ts, value: null, quality: QUALITY.fault },
    ]);
    expect(circular10FileName({ province: 'Hà Nội', facility: 'ABCD', station: 'NUO_001' }, ts, 420)).toBe('HaNoi_ABCD_NUO001_20261122093000.txt');
  });

  it('checks times, units and names', () => {
    expect(parseLocalTimestamp('20210816093000', 420)).toBe(Date.parse('2021-08-16T02:30:00Z'));
    expect(parseLocalTimestamp('20250229000000', 420)).toBeUndefined();
    expect(parseLocalTimestamp('2021081609300', 420)).toBeUndefined();
    expect(unitConversion('m3/ngày', 'm³/h')).toEqual({ factor: 1 / 24, offset: 0 });
    expect(unitConversion('mg/l', 'µg/m³')).toBeUndefined();
    expect(isAcceptableFileName('HN_ABCD_NUO001_20210816093000.txt')).toBe(true);
    expect(isAcceptableFileName('x.tmp')).toBe(false);
    expect(isAcceptableFileName('..\\..\\x.txt')).toBe(false);
  });
});

describe('parseCircular10 properties', () => {
  const symbol = fc.constantFrom('pH', 'COD', 'TSS', 'NH4', 'Flow', 'Temp', 'Flow_in', 'XYZ', '', 'ph', 'PM2,5');
  const value = fc.oneof(fc.double({ noNaN: false }).map(String), fc.constantFrom('', '1,5', '-', 'abc', '1e999', '7'), fc.string());
  const unit = fc.constantFrom('mg/L', 'pH', '', 'm3/h', 'oC', 'kg', '°C');
  const ts = fc.oneof(fc.constantFrom('20261122093000', '20261131093000', '19990101000000', '20261122235959'), fc.string({ maxLength: 16 }));
  const status = fc.constantFrom('00', '01', '02', '03', '0', '04', 'x', '');
  const line = fc.oneof(
    fc.tuple(symbol, value, unit, ts, status).map((f) => f.join('\t')),
    fc.array(fc.string(), { maxLength: 7 }).map((f) => f.join('\t')),
    fc.string(),
  );
  const file = fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean()).map(([lines, eol, bom]) => (bom ? '\ufeff' : '') + lines.join(eol));

  it('never throws, on text or on arbitrary bytes', () => {
    fc.assert(
      fc.property(file, (text) => void parse(text)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => void parse(Buffer.from(bytes))),
      { numRuns: 300 },
    );
  });

  it('turns every non-blank line into exactly one row or one refusal with a reason', () => {
    fc.assert(
      fc.property(file, (text) => {
        const out = parse(text);
        if (out.refused.length === 1 && out.refused[0]!.index === null) {
          expect(out.rows).toEqual([]);
          return;
        }
        const body = text.startsWith('\ufeff') ? text.slice(1) : text;
        const nonBlank = body.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').length;
        expect(out.readingCount).toBe(nonBlank);
        expect(out.rows.length + out.refused.length).toBe(nonBlank);
        for (const r of out.refused) {
          expect(r.index).toBeGreaterThan(0);
          expect(r.reason).toMatch(new RegExp(`^line ${r.index}: .+`));
        }
        for (const r of out.rows) expect(Number.isFinite(r.ts)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
