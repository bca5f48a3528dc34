/**
 * Property-based tests (fast-check) over every parser facing the outside: the MQTT/HTTP payload
 * parser, the Circular 10 file parser and the API's query parsers. No input crashes anything;
 * every payload is either stored (rows) or quarantined with a reason; every query is either
 * understood or refused with a catalogue error (a 4xx), never an unexpected exception. One
 * end-to-end property publishes a bounded sample of arbitrary payloads over MQTT and checks that
 * each one ends up stored or in quarantine. Runs are bounded (numRuns) to keep CI fast.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import { parseReadingsPayload, type ParseOutcome } from '../ingest/parse.js';
import { parseCircular10 } from '../formats/circular10/codec.js';
import { buildSymbolTables } from '../formats/circular10/symbols.js';
import { decodeCursor, parseAggs, parseBucket, parseList, queryFingerprint } from '../analytics/params.js';
import { parseBbox } from '../analytics/catalog.js';
import { parseFilter } from '../api/sta/odata/parser.js';
import { parseOptions } from '../api/sta/options.js';
import { isQuantracError } from '../lib/errors.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

const profiles = loadProfiles();
const air = profiles.get('air-quality')!;
const symbols = buildSymbolTables(profiles).get('air-quality')!;
const NOW = Date.UTC(2026, 10, 22, 5, 0, 0);
const LIMITS = { maxPayloadBytes: 4096, maxReadingsPerMessage: 50, maxFutureSkewMs: 600_000 };
const RUNS = 500;

/** Every input is stored or quarantined with a reason; what is stored is well-formed. */
function checkOutcome(o: ParseOutcome, metrics: readonly string[]): void {
  expect(o.rows.length + o.refused.length).toBeGreaterThan(0);
  for (const r of o.refused) {
    expect(typeof r.code).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
  }
  for (const row of o.rows) {
    expect(metrics).toContain(row.metric);
    expect(Number.isFinite(row.ts)).toBe(true);
    expect(row.ts).toBeGreaterThanOrEqual(Date.UTC(2000, 0, 1));
    expect(row.ts).toBeLessThanOrEqual(NOW + LIMITS.maxFutureSkewMs);
    expect(row.value === null || Number.isFinite(row.value)).toBe(true);
    expect([0, 1, 2, 3, 4]).toContain(row.quality);
  }
}

const airMetrics = Object.keys(air.profile.metrics);
const metricKey = fc.oneof(fc.constantFrom(...airMetrics), fc.constantFrom('bogus', '', '__proto__', 'constructor', 'toString', 'PM2,5'), fc.string({ maxLength: 8 }));
const value = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constantFrom(1e308, -0, 5e-324),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const tsText = fc.oneof(
  fc.integer({ min: Date.UTC(1990, 0, 1), max: NOW + 86_400_000 }).map((t) => localIso(t)),
  fc.integer({ min: Date.UTC(1990, 0, 1), max: NOW + 86_400_000 }).map((t) => new Date(t).toISOString()),
  fc.integer({ min: Date.UTC(1990, 0, 1), max: NOW }).map((t) => localIso(t).slice(0, 19)), // no offset
  fc.string({ maxLength: 30 }),
  fc.constantFrom('2026-02-30T10:00:00+07:00', '2026-11-22T24:00:00+07:00', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z'),
);
const reading = fc.record(
  {
    ts: fc.oneof(tsText, value),
    values: fc.oneof(fc.dictionary(metricKey, value, { maxKeys: 5 }), value),
    status: fc.oneof(fc.dictionary(metricKey, fc.oneof(fc.constantFrom('00', '01', '02', '03', '04', 'x', ''), value), { maxKeys: 3 }), value),
    extra: value,
  },
  { requiredKeys: [] },
);
const payloadJson = fc.oneof(reading, fc.array(reading, { maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }));
const payloadBytes = fc.oneof(
  payloadJson.map((j) => Buffer.from(JSON.stringify(j) ?? 'undefined')),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.integer({ min: 4000, max: 6000 }).map((n) => Buffer.alloc(n, 0x20)),
);

describe('MQTT/HTTP payload parser', () => {
  it('never throws, and every payload is stored or refused with a reason', () => {
    fc.assert(
      fc.property(payloadBytes, (bytes) => {
        checkOutcome(parseReadingsPayload(bytes, air, LIMITS, NOW), airMetrics);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

describe('Circular 10 file parser', () => {
  const symbol = fc.oneof(fc.constantFrom('PM2,5', 'PM2.5', 'PM10', 'SO2', 'NO2', 'CO', 'O3', 'Temp', 'TSP', ''), fc.string({ maxLength: 6 }));
  const number = fc.oneof(fc.double().map(String), fc.integer().map(String), fc.constantFrom('', '1,5', '.5', '1e400', 'NaN', '-', '12.3.4'), fc.string({ maxLength: 5 }));
  const unit = fc.oneof(fc.constantFrom('ug/m3', 'mg/m3', 'µg/Nm3', 'oC', '%', ''), fc.string({ maxLength: 5 }));
  const stamp = fc.oneof(
    fc.integer({ min: Date.UTC(1995, 0, 1), max: NOW + 86_400_000 }).map((t) => new Date(t + 7 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)),
    fc.stringMatching(/^\d{14}$/),
    fc.string({ maxLength: 16 }),
  );
  const status = fc.oneof(fc.constantFrom('00', '01', '02', '03', '0', '3', '04', ''), fc.string({ maxLength: 3 }));
  const line = fc.oneof(
    fc.tuple(symbol, number, unit, stamp, status).map((f) => f.join('\t')),
    fc.tuple(symbol, number, unit, stamp, status).map((f) => f.join(' ')),
    fc.string({ maxLength: 60 }),
  );
  const file = fc.oneof(
    fc.array(line, { maxLength: 12 }).chain((lines) => fc.constantFrom('\r\n', '\n', '\r').map((eol) => Buffer.from(lines.join(eol)))),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  );

  it('never throws, and every file is stored or refused line by line with a reason', () => {
    fc.assert(
      fc.property(file, (bytes) => {
        const o = parseCircular10(bytes, { profile: air.profile, symbols, utcOffsetMinutes: 420, now: NOW, maxFutureSkewMs: 600_000, maxBytes: 4096, maxLines: 50 });
        checkOutcome(o, airMetrics);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('API query parsers', () => {
  /** Returns normally or throws a catalogue error with a 4xx status: nothing else. */
  function total(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      expect(isQuantracError(err)).toBe(true);
      expect((err as { statusCode: number }).statusCode).toBeGreaterThanOrEqual(400);
      expect((err as { statusCode: number }).statusCode).toBeLessThan(500);
    }
  }
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9]{0,6}(m|h|d|mo|x)?$/), fc.constantFrom('aqiday', '0m', '99999mo', '1e3h', ',', ',,', 'avg,,max'));

  it('bucket, agg, lists, bbox and cursors', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 100 }), (s, max) => {
        total(() => parseBucket(s));
        total(() => parseAggs(s));
        total(() => parseList('stations', s, max));
        total(() => parseBbox(s));
        total(() => decodeCursor(s, queryFingerprint(['x'])));
        total(() => decodeCursor(Buffer.from(s).toString('base64url'), queryFingerprint(['x'])));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('SensorThings (OData) $filter and query options', () => {
    const option = fc.constantFrom('$top', '$skip', '$count', '$orderby', '$select', '$expand', '$filter', '$resultFormat', 'other');
    fc.assert(
      fc.property(text, fc.dictionary(option, fc.oneof(text, fc.constantFrom("name eq 'x'", 'result gt 3', 'id desc', 'true', '-1', '1e9'))), (s, query) => {
        total(() => parseFilter(s));
        total(() => parseOptions(query, 'Things'));
        total(() => parseOptions(query, 'Observations'));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('end to end over MQTT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ingest: { maxPayloadBytes: 4096, maxReadingsPerMessage: 50 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('stores or quarantines every one of a sample of arbitrary payloads, acknowledging each', async () => {
    const s = await t.createStation({ id: 'FUZZ-01' });
    const client = await t.connectStation(s.id, s.secret);
    // Each sample gets its own minute so that what it stored can be told apart from the others'.
    const base = Date.now() - 30 * 86_400_000;
    const samples = fc.sample(payloadBytes, { numRuns: 150, seed: 42 }).map((p, i) => {
      const ts = localIso(base + i * 60_000);
      // a third valid (stored), a third a valid envelope around an arbitrary value, a third raw
      if (i % 3 === 0) return Buffer.from(JSON.stringify({ ts, values: { pm25: i, pm10: i + 0.5 } }));
      if (i % 3 === 1) return Buffer.from(JSON.stringify({ ts, values: { pm25: i, pm10: p.toString('utf8').slice(0, 20) } }));
      return p;
    });
    for (const p of samples) await client.publishAsync(`stations/${s.id}/readings`, p, { qos: 1 });
    expect(client.connected).toBe(true);

    const q = await t.api<{ data: Array<{ payload: string; reason: string }> }>('GET', `/api/v1/quarantine?station=${s.id}&limit=1000`);
    const kept = new Set(q.body.data.map((e) => e.payload));
    for (const e of q.body.data) expect(e.reason.length).toBeGreaterThan(0);
    const { rows } = await t.app.store.db.query<{ ts: Date }>(`SELECT DISTINCT ts FROM readings WHERE station_id = $1`, [s.id]);
    const storedMinutes = new Set(rows.map((r) => Math.round((r.ts.getTime() - base) / 60_000)));
    const neither = samples.filter((p, i) => !kept.has(p.toString('utf8')) && !storedMinutes.has(i) && !isStoredElsewhere(p));
    expect(neither.map((p) => p.toString('utf8').slice(0, 80))).toEqual([]);
    expect(storedMinutes.size).toBeGreaterThanOrEqual(50);
    expect(kept.size).toBeGreaterThanOrEqual(50);
    expect((await t.api('GET', '/healthz', undefined, null)).status).toBe(200);
  }, 120_000);
});

/** An arbitrary payload may be a valid reading with its own timestamp: then it is stored at that time. */
function isStoredElsewhere(p: Buffer): boolean {
  const o = parseReadingsPayload(p, air, { maxPayloadBytes: 4096, maxReadingsPerMessage: 50, maxFutureSkewMs: 600_000 }, Date.now());
  return o.refused.length === 0 && o.rows.length > 0;
}
