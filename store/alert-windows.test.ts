/**
 * The alert engine's start-up refill reads the recent readings in keyset pages
 * (store/alert-windows.ts recentSamplePages), on the real embedded TimescaleDB: small pages must
 * give every reading exactly once and in order, whatever falls on a page boundary (several metrics
 * at one timestamp, microsecond timestamps, a station's last reading); values come back exactly
 * (they travel as text), and the refill asks only the stations with readings in its window.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { recentSamplePages, stationsWithReadingsSince, type RecentSample } from './alert-windows.js';
import { createStore, type Store } from './index.js';

const dataDir = tempDataDir();
let store: Store;
const t0 = Date.now() - 3_600_000;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  // two stations × three metrics; every timestamp has all three metrics (ties on (station, ts)),
  // some timestamps carry microseconds, one reading has no value and one a station flag
  await store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT s, m, to_timestamp($1::float8 / 1000) + (g * interval '61 seconds') + (CASE WHEN g % 3 = 0 THEN g * interval '1 microsecond' ELSE interval '0' END),
            CASE WHEN s = 'PG-B' AND m = 'no2' AND g = 5 THEN NULL ELSE g * 10 + length(m) END, CASE WHEN g = 7 THEN 2 ELSE 0 END
       FROM unnest(ARRAY['PG-A', 'PG-B']) AS s, unnest(ARRAY['pm25', 'pm10', 'no2']) AS m, generate_series(0, 19) AS g`,
    [t0],
  );
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function all(pageRows: number, since = new Date(t0 - 1)): Promise<{ rows: RecentSample[]; pages: number }> {
  const rows: RecentSample[] = [];
  let pages = 0;
  for await (const page of recentSamplePages(store.db, ['PG-B', 'PG-A'], ['pm25', 'pm10', 'no2'], since, pageRows)) {
    pages++;
    rows.push(...page);
  }
  return { rows, pages };
}

describe('recentSamplePages', () => {
  it('gives every reading once, in (station, time, metric) order, whatever the page size', async () => {
    const whole = await all(10_000);
    expect(whole.pages).toBe(1);
    expect(whole.rows).toHaveLength(2 * 3 * 20);
    const key = (r: RecentSample) => `${r.stationId}|${String(r.ts.getTime()).padStart(15, '0')}|${r.metric}`;
    expect(whole.rows.map(key)).toEqual(whole.rows.map(key).sort());
    expect(whole.rows.find((r) => r.stationId === 'PG-B' && r.metric === 'no2' && r.value === null)).toBeDefined();
    expect(whole.rows.filter((r) => r.quality !== 'valid')).toHaveLength(6);
    for (const size of [1, 2, 3, 7, 60, 119, 120]) {
      const paged = await all(size);
      expect(paged.rows).toEqual(whole.rows);
      // no empty page: a full last page costs one more query, which yields nothing
      expect(paged.pages).toBe(Math.ceil(120 / size));
    }
  });

  it('keeps only readings newer than `since`', async () => {
    const since = new Date(t0 + 10 * 61_000);
    const { rows } = await all(4, since);
    expect(rows).toHaveLength(2 * 3 * 9);
    expect(rows.every((r) => r.ts.getTime() > since.getTime())).toBe(true);
  });
});

describe('the values travel exactly', () => {
  it('gives back every float8 as stored, NULL as null', async () => {
    const values = [0.1 + 0.2, 1e-7, -123456.789012345, 5e-324, 1.7976931348623157e308, 3, null];
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality) SELECT 'PG-V', 'pm25', to_timestamp($1::float8 / 1000) + i * interval '1 minute', v, 0
         FROM unnest($2::float8[]) WITH ORDINALITY AS x(v, i)`,
      [t0, values],
    );
    const rows: RecentSample[] = [];
    for await (const page of recentSamplePages(store.db, ['PG-V'], ['pm25'], new Date(t0 - 1))) rows.push(...page);
    expect(rows.map((r) => r.value)).toEqual(values);
  });
});

describe('stationsWithReadingsSince', () => {
  it('names the stations with a reading newer than `since`, and no other', async () => {
    const asked = ['PG-A', 'PG-B', 'PG-NONE'];
    expect([...(await stationsWithReadingsSince(store.db, asked, new Date(t0 - 1)))].sort()).toEqual(['PG-A', 'PG-B']);
    // the newest reading is at t0 + 19 × 61 s (and a few microseconds): nothing after it
    expect((await stationsWithReadingsSince(store.db, asked, new Date(t0 + 20 * 61_000))).size).toBe(0);
    expect(await stationsWithReadingsSince(store.db, [], new Date(t0))).toEqual(new Set());
  });
});
